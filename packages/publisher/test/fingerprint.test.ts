import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFingerprint, normaliseTitle } from '../src/fingerprint.js';

describe('defaultFingerprint', () => {
  it('is fr1: plus a sha256 hex digest, and stable', () => {
    const fp = defaultFingerprint('dep-scanner', 'acme/web', 'CVE-2026-1 in lodash');
    expect(fp).toMatch(/^fr1:[0-9a-f]{64}$/);
    expect(defaultFingerprint('dep-scanner', 'acme/web', 'CVE-2026-1 in lodash')).toBe(fp);
  });

  it('joins its parts unambiguously', () => {
    expect(defaultFingerprint('a', undefined, 'b c')).not.toBe(defaultFingerprint('a b', undefined, 'c'));
    expect(defaultFingerprint('a', 'o/r', 't')).not.toBe(defaultFingerprint('a', undefined, 'o/r t'));
    expect(defaultFingerprint('a","b', undefined, 't')).not.toBe(defaultFingerprint('a', 'b', 't'));
  });

  it('tells "no repo" apart from every repo', () => {
    expect(defaultFingerprint('a', undefined, 't')).not.toBe(defaultFingerprint('a', 'null', 't'));
  });

  it('ignores repo case, title case, surrounding and repeated whitespace and compatibility forms', () => {
    const fp = defaultFingerprint('dep-scanner', 'acme/web', 'foo bar');
    expect(defaultFingerprint('dep-scanner', 'Acme/Web', '  FOO \t\n  Bar ')).toBe(fp);
    expect(defaultFingerprint('dep-scanner', 'acme/web', 'ｆｏｏ\u3000ｂａｒ')).toBe(fp);
  });

  it('keeps digits and the agent exact: different CVEs and different agents stay apart', () => {
    expect(defaultFingerprint('s', 'a/b', 'CVE-2026-1234')).not.toBe(
      defaultFingerprint('s', 'a/b', 'CVE-2026-1235'),
    );
    expect(defaultFingerprint('Dep-Scanner', 'a/b', 't')).not.toBe(
      defaultFingerprint('dep-scanner', 'a/b', 't'),
    );
  });

  it('differs whenever the normalised parts differ (property)', () => {
    const part = fc.string({ maxLength: 8, unit: 'grapheme-ascii' });
    const repo = fc.option(part, { nil: undefined });
    fc.assert(
      fc.property(fc.tuple(part, repo, part), fc.tuple(part, repo, part), (x, y) => {
        const key = ([agent, r, title]: [string, string | undefined, string]) =>
          JSON.stringify([agent, r?.toLowerCase() ?? null, normaliseTitle(title)]);
        const same = defaultFingerprint(...x) === defaultFingerprint(...y);
        expect(same).toBe(key(x) === key(y));
      }),
      { numRuns: 500 },
    );
  });
});

describe('normaliseTitle', () => {
  it('applies NFKC, trims, lower-cases and collapses whitespace', () => {
    expect(normaliseTitle('  Ｈello\u00a0\u00a0WORLD  ')).toBe('hello world');
    expect(normaliseTitle('3 vulns')).not.toBe(normaliseTitle('4 vulns'));
  });
});
