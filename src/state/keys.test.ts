import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertValidKey, assertValidPrefix, encodeKeyPart, isValidKey } from './keys.js';

const SAFE = /^[A-Za-z0-9_-]+$/;

describe('encodeKeyPart', () => {
  it('always yields one short, safe segment, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('.', '..', '', '/', '../x')),
        (s) => {
          const out = encodeKeyPart(s);
          expect(out).toMatch(SAFE);
          expect(out.length).toBeLessThanOrEqual(105);
          expect(isValidKey(`claims/${out}`)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is injective on a sample, including inputs that read the same', () => {
    const inputs = fc.sample(fc.string({ unit: 'binary', maxLength: 60 }), 2000);
    inputs.push('a/b', 'a_b', 'a.b', 'A_B', 'x'.repeat(40), `${'x'.repeat(40)}y`, 'ü', 'u');
    const distinct = new Set(inputs);
    expect(new Set([...distinct].map(encodeKeyPart)).size).toBe(distinct.size);
  });

  it('is deterministic and keeps a readable start for operators', () => {
    expect(encodeKeyPart('acme/widgets')).toBe(encodeKeyPart('acme/widgets'));
    expect(encodeKeyPart('acme/widgets')).toMatch(/^acme_widgets-[0-9a-f]{64}$/);
    expect(encodeKeyPart('..')).toMatch(/^__-[0-9a-f]{64}$/);
  });
});

describe('key validation', () => {
  it('accepts the keys the relay builds', () => {
    for (const key of [
      'claims/a-1/slack',
      'ledger/dev/2026/11/26/20261126T101010000Z-w1-000001.jsonl',
      'x:y=z',
    ]) {
      expect(() => assertValidKey(key)).not.toThrow();
    }
  });

  it('refuses traversal, empty segments and foreign characters', () => {
    for (const key of [
      '',
      '.',
      '..',
      'a/../b',
      '/a',
      'a/',
      'a//b',
      'a~b',
      'a b',
      'a\\b',
      'ä',
      'a\u0000b',
      'x'.repeat(201),
    ]) {
      expect(() => assertValidKey(key), key).toThrow(TypeError);
    }
  });

  it('accepts list prefixes ending mid-segment or at a slash, but never a dot directory', () => {
    for (const prefix of ['', 'a/', 'a/b', 'a/.', 'ledger/dev/2026/'])
      expect(() => assertValidPrefix(prefix)).not.toThrow();
    for (const prefix of ['/', '../', 'a/../', './a', 'a//', 'a~'])
      expect(() => assertValidPrefix(prefix), prefix).toThrow(TypeError);
  });
});
