import { type Finding, type FindingInput, findingSchema } from './schema.js';

/**
 * The one builder of findings for tests (unit, integration, bench); not part of the build.
 *
 * Defaults: the required fields only — `schemaVersion: 1`, a fresh id (`f-1`, `f-2`, … per test
 * file), agent `scanner`, severity `high`, title `Finding <id>` (of the id given, if one is) and
 * occurredAt `2026-11-26T10:00:00Z`; no repo, fingerprint, body, labels, url or metadata. A test
 * whose assertions depend on a value passes it explicitly, even when it equals the default.
 * Message data is the JSON of the finding a test holds (`Buffer.from(JSON.stringify(f))`), as a
 * publisher sends it raw; the tests all encode a finding they also use, so there is no builder.
 */
let counter = 0;

/** A valid finding as a publisher sends it (schema v1 input), with `overrides` on top. */
export function testFindingInput(overrides: Partial<FindingInput> = {}): FindingInput {
  counter += 1;
  const id = overrides.id ?? `f-${counter}`;
  return {
    schemaVersion: 1,
    id,
    source: { agent: 'scanner' },
    severity: 'high',
    title: `Finding ${id}`,
    occurredAt: '2026-11-26T10:00:00Z',
    ...overrides,
  };
}

/**
 * The same finding parsed as the relay holds it (`findingSchema`: title trimmed, the default
 * fingerprint filled in unless one is given). Throws when the overrides make it invalid; a test of
 * what the relay does with an invalid finding spreads its values over the result instead.
 */
export function testFinding(overrides: Partial<FindingInput> = {}): Finding {
  return findingSchema.parse(testFindingInput(overrides));
}
