import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFingerprint } from '../src/fingerprint.js';
import { buildFindingJsonSchema } from '../src/json-schema.js';
import {
  DETAIL_MAX_CHARS,
  type FindingParseResult,
  parseFindingBytes,
  validateFinding,
} from '../src/parse.js';
import { type FindingInput, MAX_MESSAGE_BYTES } from '../src/schema.js';
import { SEVERITIES } from '../src/severity.js';

const VALID = {
  schemaVersion: 1,
  id: 'a',
  source: { agent: 'dep-scanner' },
  severity: 'low',
  title: 't',
  occurredAt: '2026-11-03T10:00:00Z',
};
const bytes = (text: string) => Buffer.from(text, 'utf8');

/** What every result must look like, whatever went in. */
function expectWellFormed(result: FindingParseResult): void {
  if (result.ok) {
    expect(typeof result.finding.fingerprint).toBe('string');
    return;
  }
  expect(['too-large', 'invalid-json', 'invalid-schema']).toContain(result.reason);
  expect(result.detail.length).toBeGreaterThan(0);
  expect(result.detail.length).toBeLessThanOrEqual(DETAIL_MAX_CHARS);
  expect(result.detail).not.toMatch(/[\u0000-\u001f\u2028\u2029\u202e]/);
}

describe('parseFindingBytes: the byte layers', () => {
  it('accepts a message of exactly 256 KiB and refuses one byte more before decoding', () => {
    const json = JSON.stringify(VALID);
    const atLimit = json + ' '.repeat(MAX_MESSAGE_BYTES - json.length);
    expect(parseFindingBytes(bytes(atLimit)).ok).toBe(true);
    expect(parseFindingBytes(bytes(`${atLimit} `))).toEqual({
      ok: false,
      reason: 'too-large',
      detail: 'message is 262145 bytes; the limit is 262144 bytes (256 KiB)',
    });
    // Not UTF-8 at all, but the size decides first.
    expect(parseFindingBytes(new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0xff))).toMatchObject({
      reason: 'too-large',
    });
  });

  it('refuses a byte-order mark, invalid UTF-8 and empty data as invalid-json', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(VALID))]);
    expect(parseFindingBytes(bom)).toMatchObject({
      reason: 'invalid-json',
      detail: expect.stringContaining('byte-order mark'),
    });
    for (const raw of [[0xff], [0x7b, 0xc0, 0xaf, 0x7d], [0xed, 0xa0, 0x80], [0x22, 0xe2, 0x82]]) {
      expect(parseFindingBytes(Uint8Array.from(raw))).toEqual({
        ok: false,
        reason: 'invalid-json',
        detail: 'not valid UTF-8',
      });
    }
    expect(parseFindingBytes(new Uint8Array(0))).toMatchObject({ reason: 'invalid-json' });
  });

  it('names a JSON syntax error without quoting the input', () => {
    const result = parseFindingBytes(bytes('{"title": hunter2-is-not-json}'));
    expect(result).toMatchObject({ ok: false, reason: 'invalid-json' });
    expect(result.ok ? '' : result.detail).toMatch(/^not valid JSON: /);
    expect(result.ok ? '' : result.detail).not.toContain('hunter2');
  });

  it.each(['null', '[]', '"x"', '42', 'true'])('refuses top-level %s as invalid-schema', (json) => {
    const result = parseFindingBytes(bytes(json));
    expect(result).toMatchObject({ ok: false, reason: 'invalid-schema' });
    expect(result.ok ? '' : result.detail).toMatch(/^expected a JSON object at the top level/);
  });

  it('survives very deep nesting', () => {
    const deep = `{"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expectWellFormed(parseFindingBytes(bytes(deep)));
    expect(parseFindingBytes(bytes(deep)).ok).toBe(false);
  });
});

describe('prototype keys', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    'rejects top-level and nested %s as unknown fields',
    (key) => {
      const json = JSON.stringify(VALID).replace(/^\{/, `{"${key}":{"polluted":true},`);
      expect(parseFindingBytes(bytes(json))).toEqual({
        ok: false,
        reason: 'invalid-schema',
        detail: `unknown field "${key}"`,
      });
      const nested = JSON.stringify(VALID).replace('{"agent"', `{"${key}":{"polluted":true},"agent"`);
      expect(parseFindingBytes(bytes(nested))).toMatchObject({ detail: `source: unknown field "${key}"` });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('rejects __proto__ as a metadata key instead of silently dropping it', () => {
    const json = JSON.stringify({ ...VALID, metadata: { k: 'v' } }).replace('{"k"', '{"__proto__":"x","k"');
    expect(parseFindingBytes(bytes(json))).toMatchObject({
      detail: 'metadata: key "__proto__" is a reserved key',
    });
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('counts metadata entries before it checks any of them (a 256 KiB message of pairs costs little)', () => {
    // Getters count how many values validation reads: with the count checked first, none.
    let reads = 0;
    const metadata = {};
    for (let i = 0; i < 30_000; i++) {
      Object.defineProperty(metadata, `k${i}`, {
        enumerable: true,
        get: () => {
          reads++;
          return 'v';
        },
      });
    }
    expect(validateFinding({ ...VALID, metadata })).toEqual({
      ok: false,
      reason: 'invalid-schema',
      detail: 'metadata: must have at most 20 entries',
    });
    expect(reads).toBe(0);
    const json = JSON.stringify({
      ...VALID,
      metadata: Object.fromEntries(Array.from({ length: 15_000 }, (_, i) => [`k${i}`, '\u0001'])),
    });
    expect(parseFindingBytes(bytes(json))).toMatchObject({
      detail: 'metadata: must have at most 20 entries',
    });
  });
});

describe('detail', () => {
  it('names several paths in one line', () => {
    const result = validateFinding({ ...VALID, title: ' ', labels: ['a', 'b', 'c', ''], sevrity: 'x' });
    expect(result.ok ? '' : result.detail).toBe(
      'title: must be 1–256 characters after trimming; labels.3: must be 1–50 characters; unknown field "sevrity"',
    );
  });

  it('stays within the limit and counts what it left out', () => {
    const manyUnknown = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field${i}`, i]));
    const result = validateFinding({ ...VALID, ...manyUnknown });
    const detail = result.ok ? '' : result.detail;
    expect(detail.length).toBeLessThanOrEqual(DETAIL_MAX_CHARS);
    expect(detail).toMatch(/; … \(\+\d+ more\)$/);
    expect(detail).toContain('unknown field "field0"');
  });

  it('never echoes a huge or hostile key or value', () => {
    const hugeKey = `k${'x'.repeat(100_000)}`;
    const result = validateFinding({ ...VALID, [hugeKey]: 1, title: 'y'.repeat(10_000) });
    const detail = result.ok ? '' : result.detail;
    expect(detail.length).toBeLessThanOrEqual(DETAIL_MAX_CHARS);
    expect(detail).not.toContain('y'.repeat(50));
    expect(validateFinding({ ...VALID, 'a\nb\u202ec': 1 })).toMatchObject({
      detail: 'unknown field "a\\u{a}b\\u{202e}c"',
    });
  });

  it('reports a throwing getter instead of throwing', () => {
    const hostile = {
      ...VALID,
      get title(): string {
        throw new Error('boom\nsecond line');
      },
    };
    expect(validateFinding(hostile)).toEqual({
      ok: false,
      reason: 'invalid-schema',
      detail: 'could not be validated: boom\\u{a}second line',
    });
  });
});

describe('properties', () => {
  it('any bytes give a well-formed result, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (data) => expectWellFormed(parseFindingBytes(data))),
      { numRuns: 500 },
    );
  });

  it('any string and any JSON value give a well-formed result', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) =>
        expectWellFormed(parseFindingBytes(bytes(text))),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) =>
        expectWellFormed(parseFindingBytes(bytes(JSON.stringify(value) ?? ''))),
      ),
      { numRuns: 300 },
    );
  });

  it('a valid finding with one field replaced by anything gives a well-formed result', () => {
    const keys = [...Object.keys(VALID), 'body', 'repo', 'labels', 'url', 'metadata', 'fingerprint', 'extra'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        expectWellFormed(validateFinding({ ...VALID, [key]: value }));
      }),
      { numRuns: 500 },
    );
  });

  it('valid findings round-trip through bytes and satisfy the published JSON Schema', () => {
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv);
    const matchesJsonSchema = ajv.compile(buildFindingJsonSchema());
    fc.assert(
      fc.property(validFinding, (input) => {
        const result = parseFindingBytes(bytes(JSON.stringify(input)));
        const expected = {
          ...input,
          title: input.title.trim(),
          fingerprint: input.fingerprint ?? defaultFingerprint(input.source.agent, input.repo, input.title),
        };
        expect(result).toEqual({ ok: true, finding: expected });
        expect(matchesJsonSchema(input), JSON.stringify(matchesJsonSchema.errors)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

// Generators for valid findings: text with any printable characters, bounds near the limits.
const FORBIDDEN_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const line = (min: number, max: number) =>
  fc
    .string({ unit: 'grapheme', minLength: min, maxLength: max })
    .filter((s) => [...s].length <= max && !FORBIDDEN_IN_LINE.test(s));
const owner = fc.stringMatching(/^[A-Za-z0-9]{1,12}(?:-[A-Za-z0-9]{1,12}){0,2}$/);
const repoName = fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/).filter((n) => n !== '.' && n !== '..');
const timestamp = fc
  .tuple(
    fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fc.constantFrom('Z', '+00:00', '-05:00', '+13:45'),
  )
  .map(([date, offset]) => date.toISOString().replace('Z', offset));
const metadataKey = line(1, 100).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));

const validFinding: fc.Arbitrary<FindingInput & { title: string }> = fc.record(
  {
    schemaVersion: fc.constant(1 as const),
    id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
    source: fc.record({ agent: line(1, 100), run: line(1, 200) }, { requiredKeys: ['agent'] }),
    severity: fc.constantFrom(...SEVERITIES),
    title: fc
      .tuple(fc.constantFrom('', ' ', '\u3000'), line(1, 60), fc.constantFrom('', '  '))
      .map(([a, b, c]) => a + b + c)
      .filter((t) => t.trim() !== ''),
    body: fc
      .string({ unit: 'grapheme', maxLength: 300 })
      .filter((b) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(b)),
    repo: fc
      .tuple(owner, repoName)
      .map(([o, n]) => `${o}/${n}`)
      .filter((r) => r.indexOf('/') <= 39),
    fingerprint: line(1, 200),
    labels: fc.array(line(1, 50), { maxLength: 10 }),
    url: fc.webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true }),
    occurredAt: timestamp,
    metadata: fc.dictionary(
      metadataKey,
      fc.string({ maxLength: 1000 }).filter((v) => !FORBIDDEN_IN_LINE.test(v.replace(/[\t\n\r]/g, ''))),
      { maxKeys: 20 },
    ),
  },
  { requiredKeys: ['schemaVersion', 'id', 'source', 'severity', 'title', 'occurredAt'] },
);

describe('lone surrogates', () => {
  it('refuses a \\uD800-style escape that UTF-8 cannot carry, naming only the field', () => {
    const withText = (field: string, value: string) =>
      bytes(JSON.stringify(VALID).replace('"title":"t"', `"title":"t",${JSON.stringify(field)}:${value}`));
    expect(parseFindingBytes(withText('fingerprint', '"fp-\\ud800"'))).toEqual({
      ok: false,
      reason: 'invalid-schema',
      detail: 'fingerprint: contains an unpaired UTF-16 surrogate (a lone \\uD800–\\uDFFF escape)',
    });
    expect(parseFindingBytes(withText('metadata', '{"k\\udc00":"v"}'))).toMatchObject({
      reason: 'invalid-schema',
      detail: expect.stringMatching(/^metadata: /),
    });
    expect(parseFindingBytes(withText('labels', '["a","\\udbff"]'))).toMatchObject({
      reason: 'invalid-schema',
    });
    // A pair spelt as two escapes is one well-formed character.
    expect(parseFindingBytes(withText('fingerprint', '"\\ud83d\\ude00"'))).toMatchObject({ ok: true });
  });
});
