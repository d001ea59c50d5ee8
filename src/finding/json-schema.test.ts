import { readFileSync } from 'node:fs';
import { FINDING_SCHEMA_ID, parseFindingBytes, SEVERITIES } from '@finding-relay/publisher/finding';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderFindingJsonSchema } from '../../scripts/generate-schema.js';
import { testFindingInput } from './test-findings.js';

const schemaFile = new URL('../../schemas/finding.v1.schema.json', import.meta.url);
const examplesFile = new URL('../../examples/findings.jsonl', import.meta.url);

function compileCommittedSchema() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
}

describe('schemas/finding.v1.schema.json', () => {
  it('is exactly what the generator produces from the zod schema', () => {
    const committed = readFileSync(schemaFile, 'utf8');
    expect(committed, 'stale: run `npx tsx scripts/generate-schema.ts` and commit the result').toBe(
      renderFindingJsonSchema(),
    );
  });

  it('is deterministic draft 2020-12 with an $id, a title and 2-space JSON', () => {
    const text = renderFindingJsonSchema();
    expect(renderFindingJsonSchema()).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "$schema": "https://json-schema.org/draft/2020-12/schema",');
    expect(JSON.parse(text)).toMatchObject({
      $id: FINDING_SCHEMA_ID,
      title: expect.any(String),
      additionalProperties: false,
    });
  });

  // The same refusals on both sides, including the patterns ajv runs in unicode mode.
  const BASE = testFindingInput();
  const REFUSED: Array<[string, string]> = [
    ['unknown field', JSON.stringify({ ...BASE, sevrity: 'low' })],
    ['unknown field in source', JSON.stringify({ ...BASE, source: { agent: 'x', extra: 1 } })],
    ['top-level __proto__', JSON.stringify(BASE).replace('{', '{"__proto__":{},')],
    [
      'metadata key __proto__',
      JSON.stringify({ ...BASE, metadata: {} }).replace('"metadata":{', '"metadata":{"__proto__":"x"'),
    ],
    [
      'metadata of 21',
      JSON.stringify({
        ...BASE,
        metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
      }),
    ],
    ['title with a newline', JSON.stringify({ ...BASE, title: 'a\nb' })],
    ['title with a bidi override', JSON.stringify({ ...BASE, title: 'a\u202eb' })],
    ['title blank', JSON.stringify({ ...BASE, title: '   ' })],
    ['body with NUL', JSON.stringify({ ...BASE, body: 'a\u0000b' })],
    ['repo look-alike', JSON.stringify({ ...BASE, repo: '\u0430cme/web' })],
    ['repo with two slashes', JSON.stringify({ ...BASE, repo: 'acme/web/x' })],
    ['repo owner ending in a hyphen', JSON.stringify({ ...BASE, repo: 'acme-/web' })],
    ['repo ..', JSON.stringify({ ...BASE, repo: 'acme/..' })],
    ['url http', JSON.stringify({ ...BASE, url: 'http://example.com/' })],
    ['occurredAt month 13', JSON.stringify({ ...BASE, occurredAt: '2026-13-03T10:00:00Z' })],
    ['occurredAt 1969', JSON.stringify({ ...BASE, occurredAt: '1969-12-31T23:59:59Z' })],
    ['occurredAt without offset', JSON.stringify({ ...BASE, occurredAt: '2026-11-03T10:00:00' })],
    ['title of 257 astral characters', JSON.stringify({ ...BASE, title: '🔥'.repeat(257) })],
  ];

  it.each(REFUSED)('agrees with zod in refusing: %s', (_label, json) => {
    const matchesJsonSchema = compileCommittedSchema();
    expect(matchesJsonSchema(JSON.parse(json))).toBe(false);
    expect(parseFindingBytes(Buffer.from(json))).toMatchObject({ ok: false, reason: 'invalid-schema' });
  });

  it('agrees with zod in accepting the limits', () => {
    const matchesJsonSchema = compileCommittedSchema();
    const atLimits = { ...BASE, title: '🔥'.repeat(256), repo: `${'a'.repeat(39)}/${'b'.repeat(100)}` };
    expect(matchesJsonSchema(atLimits), JSON.stringify(matchesJsonSchema.errors)).toBe(true);
    expect(parseFindingBytes(Buffer.from(JSON.stringify(atLimits))).ok).toBe(true);
  });
});

describe('examples/findings.jsonl', () => {
  const lines = readFileSync(examplesFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  const findings = lines.map((line) => {
    const result = parseFindingBytes(Buffer.from(line));
    if (!result.ok) throw new Error(`example does not validate: ${result.detail}`);
    return result.finding;
  });

  it('validates every line with zod and with the committed JSON Schema', () => {
    const matchesJsonSchema = compileCommittedSchema();
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const [index, line] of lines.entries()) {
      expect(
        matchesJsonSchema(JSON.parse(line)),
        `line ${index + 1}: ${JSON.stringify(matchesJsonSchema.errors)}`,
      ).toBe(true);
    }
  });

  it('covers every severity, several agents and repos, one finding without repo', () => {
    expect(new Set(findings.map((f) => f.severity))).toEqual(new Set(SEVERITIES));
    expect(new Set(findings.map((f) => f.source.agent)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(findings.map((f) => f.repo))).toEqual(
      new Set(['acme/payments-api', 'acme/web', 'acme/infra', 'other-org/tool', undefined]),
    );
    expect(findings.filter((f) => f.repo === undefined)).toHaveLength(1);
  });

  it('has unique ids and two or three groups of duplicates by fingerprint', () => {
    expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
    const perFingerprint = new Map<string, number>();
    for (const f of findings) perFingerprint.set(f.fingerprint, (perFingerprint.get(f.fingerprint) ?? 0) + 1);
    const duplicateGroups = [...perFingerprint.values()].filter((count) => count > 1);
    expect(duplicateGroups.length).toBeGreaterThanOrEqual(2);
    expect(duplicateGroups.length).toBeLessThanOrEqual(3);
  });

  it.each(['<!channel>', '<https://evil.example|click>', '@acme/'])(
    'has a title that tries %s',
    (attempt) => {
      expect(findings.some((f) => f.title.includes(attempt))).toBe(true);
    },
  );

  it.each(['<!here>', '<@U0123>', '<https://evil.example|', '@acme/'])(
    'has a body that tries %s',
    (attempt) => {
      expect(findings.some((f) => f.body?.includes(attempt))).toBe(true);
    },
  );
});
