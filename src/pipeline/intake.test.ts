import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_DIR,
  corpusFiles,
  generatorNames,
  loadBadInputCorpus,
  readManifest,
} from '../../test/support/bad-input-corpus.js';
import { SEVERITIES } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import { intakeStage } from './intake.js';
import { inboundMessage } from './test-envelope.js';
import type { Envelope } from './types.js';

const clock: Clock = { now: () => 0, sleep: async () => undefined };
const ctx = { clock, log: pino({ level: 'silent' }), signal: new AbortController().signal };
const REASONS = ['invalid-json', 'invalid-schema', 'too-large'];

const envelopeOf = (data: Buffer): Envelope => ({
  message: inboundMessage(data),
  receivedAt: 0,
  decisions: new Map(),
  outcomes: new Map(),
});

/** Runs the stage over one micro-batch; checks what must hold for any input; returns the envelopes. */
async function runIntake(inputs: readonly Buffer[]): Promise<Envelope[]> {
  const batch = inputs.map(envelopeOf);
  const out = await intakeStage()(batch, ctx);
  expect(out).toBe(batch);
  for (const e of out) {
    // Exactly one of the two marks.
    expect(e.finding === undefined).not.toBe(e.invalid === undefined);
    if (e.invalid) {
      expect(REASONS).toContain(e.invalid.reason);
      expect(e.invalid.detail.length).toBeGreaterThan(0);
    } else {
      expect(typeof e.finding?.fingerprint).toBe('string');
      expect(e.finding?.schemaVersion).toBe(1);
    }
    // Intake decides nothing else and settles nothing.
    expect(e.decisions.size + e.outcomes.size).toBe(0);
    expect((e.message as ReturnType<typeof inboundMessage>).settledAs).toEqual([]);
  }
  return out;
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
/** A finding that satisfies schema version 1, as a plain object. */
const validFinding = fc.record(
  {
    schemaVersion: fc.constant(1),
    id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
    source: fc.record({ agent: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }),
    severity: fc.constantFrom(...SEVERITIES),
    title: fc.stringMatching(/^[A-Za-z0-9<>@#!&|*_ -]{0,30}[A-Za-z0-9]$/),
    body: fc.string({ maxLength: 200 }),
    repo: fc.constantFrom('acme/widgets', 'a-b/c.d_e', 'x/y'),
    fingerprint: fc.stringMatching(/^[!-~]{1,40}$/),
    labels: fc.array(fc.stringMatching(/^[a-z]{1,10}$/), { maxLength: 10 }),
    occurredAt: fc.constantFrom('2026-11-26T10:00:00Z', '1970-01-01T00:00:00+01:00'),
    metadata: fc.dictionary(
      fc.stringMatching(/^[a-z]{1,10}$/).filter((k) => k !== 'constructor' && k !== 'prototype'),
      fc.string({ maxLength: 20 }),
      {
        maxKeys: 20,
      },
    ),
  },
  { requiredKeys: ['schemaVersion', 'id', 'source', 'severity', 'title', 'occurredAt'] },
);

/** A valid finding damaged one way: a key replaced, removed or added, or its bytes cut or flipped. */
const mutatedFinding: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .tuple(validFinding, fc.constantFrom('schemaVersion', 'id', 'source', 'title', 'occurredAt', 'labels'))
    .chain(([f, key]) =>
      fc.oneof(fc.jsonValue(), text).map((value) => Buffer.from(JSON.stringify({ ...f, [key]: value }))),
    ),
  fc
    .tuple(validFinding, fc.constantFrom('schemaVersion', 'id', 'source', 'severity', 'occurredAt'))
    .map(([f, key]) => Buffer.from(JSON.stringify({ ...f, [key]: undefined }))),
  fc
    .tuple(validFinding, fc.constantFrom('sevrity', '__proto__', 'constructor', 'extra'), fc.jsonValue())
    .map(([f, key, value]) =>
      Buffer.from(`${JSON.stringify(f).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`),
    ),
  fc.tuple(validFinding, fc.nat()).map(([f, at]) => {
    const raw = Buffer.from(JSON.stringify(f));
    return raw.subarray(0, at % raw.length);
  }),
  fc.tuple(validFinding, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, at, byte]) => {
    const raw = Buffer.from(JSON.stringify(f));
    raw[at % raw.length] = byte;
    return raw;
  }),
);

const anyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
  fc.json().map((s) => Buffer.from(s)),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s)),
  mutatedFinding,
  validFinding.map((f) => Buffer.from(JSON.stringify(f))),
);

describe('intake stage: any bytes', () => {
  it('marks every envelope as a finding or invalid with a reason, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyBytes, { minLength: 1, maxLength: 8 }), async (inputs) => {
        await runIntake(inputs);
      }),
      { numRuns: 400 },
    );
  });

  it('takes every valid finding as it was sent (title trimmed, fingerprint kept)', async () => {
    await fc.assert(
      fc.asyncProperty(validFinding, async (f) => {
        const [e] = await runIntake([Buffer.from(JSON.stringify(f))]);
        expect(e?.invalid).toBeUndefined();
        expect(e?.finding).toMatchObject({ ...f, title: f.title.trim() });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a damaged finding with the reason of the layer that broke', async () => {
    await fc.assert(
      fc.asyncProperty(validFinding, fc.integer({ min: 1, max: 30 }), async (f, cut) => {
        const raw = Buffer.from(JSON.stringify(f));
        const [truncated, wrongVersion, oversized] = await runIntake([
          raw.subarray(0, Math.max(0, raw.length - cut)),
          Buffer.from(JSON.stringify({ ...f, schemaVersion: 2 })),
          Buffer.concat([raw, Buffer.alloc(256 * 1024, 0x20)]),
        ]);
        expect(truncated?.invalid?.reason).toBe('invalid-json');
        expect(wrongVersion?.invalid?.reason).toBe('invalid-schema');
        expect(oversized?.invalid?.reason).toBe('too-large');
      }),
      { numRuns: 100 },
    );
  });
});

describe('intake stage: the bad-input corpus', () => {
  it('has a manifest entry for every file and a file or generator for every entry', () => {
    const manifest = readManifest();
    expect(Object.keys(manifest.files).sort()).toEqual(corpusFiles());
    expect(Object.keys(manifest.generated).sort()).toEqual(generatorNames());
    expect(corpusFiles().length + generatorNames().length).toBeGreaterThanOrEqual(60);
    expect(CORPUS_DIR).toMatch(/bad-input\/$/);
  });

  it('gives every case the fate its manifest entry names', async () => {
    const cases = loadBadInputCorpus();
    const envelopes = await runIntake(cases.map((c) => c.data));
    const verdicts = cases.map((c, i) => {
      const e = envelopes[i]!;
      return [c.name, e.invalid ? `dead-letter:${e.invalid.reason}` : 'delivered'] as const;
    });
    const expected = cases.map(
      (c) => [c.name, c.fate.expect === 'delivered' ? 'delivered' : `dead-letter:${c.fate.reason}`] as const,
    );
    expect(Object.fromEntries(verdicts)).toEqual(Object.fromEntries(expected));
    // Every refusal says why in one bounded line, even for 10,000 unknown fields.
    for (const e of envelopes) if (e.invalid) expect(e.invalid.detail.length).toBeLessThanOrEqual(300);
  });
});
