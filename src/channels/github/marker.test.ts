import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeFingerprint, findMarker, markerFor } from './marker.js';

describe('issue marker', () => {
  it('round-trips any fingerprint and can never close or nest the HTML comment', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }), (fp) => {
        const marker = markerFor(fp);
        const inner = marker.slice('<!--'.length, -'-->'.length);
        expect(inner.slice(' finding-relay:fingerprint='.length, -1)).not.toMatch(/-|<|>|\s/);
        expect(escapeFingerprint(fp)).toMatch(/^(?:[A-Za-z0-9._:~+=/]|%[0-9A-F]{2})+$/);
        expect(findMarker(`${marker}\n\nbody`)).toBe(fp);
      }),
    );
  });

  it('keeps readable fingerprints readable and escapes the dangerous ones', () => {
    expect(markerFor('fr1:abc123')).toBe('<!-- finding-relay:fingerprint=fr1:abc123 -->');
    expect(markerFor('a --> <b>')).toBe('<!-- finding-relay:fingerprint=a%20%2D%2D%3E%20%3Cb%3E -->');
  });

  it('only believes a marker on the first line (a finding cannot forge one in its text)', () => {
    expect(findMarker(`intro\n${markerFor('x')}`)).toBeUndefined();
    expect(findMarker(undefined)).toBeUndefined();
    expect(findMarker(null)).toBeUndefined();
    expect(findMarker('<!-- finding-relay:fingerprint=a\n -->')).toBeUndefined();
    expect(findMarker('<!-- finding-relay:fingerprint=%ZZ -->')).toBeUndefined();
    expect(findMarker('<!-- finding-relay:fingerprint=a b -->')).toBeUndefined();
  });
});
