import { SEVERITIES } from '../../src/config/types.js';
import { type Finding, type FindingInput, findingSchema } from '../../src/finding/schema.js';

/** A published finding together with its parsed form (fingerprint filled in, as the relay sees it). */
export interface CorpusEntry {
  readonly input: FindingInput;
  readonly finding: Finding;
}

export interface CorpusOptions {
  /** How many findings. */
  readonly count: number;
  /** Allowlisted repos that exist in the GitHub stand-in (`owner/name`). */
  readonly repos: readonly string[];
  /** Part of the findings that share their fingerprint with at least one other; default 0.3. */
  readonly sharedFraction?: number;
  /** Makes ids unique across runs on one emulator/store (a run suffix). */
  readonly idPrefix: string;
  /** Seed of the pseudo-random choices, so a failing run can be repeated. Default 1. */
  readonly seed?: number;
}

/** mulberry32: a small, seedable PRNG (the corpus must be reproducible from its seed). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A corpus like an agent fleet's output: every severity, several repos, and `sharedFraction` of
 * the findings in groups of 2–6 sharing a fingerprint (within one repo). Half of the shared groups
 * share an explicit `fingerprint`, the other half the default one (same agent, repo and title), so
 * both ways of deduping are exercised. Every title starts with the finding id: a Slack digest
 * lists titles, which is how a listed finding is recognised in a digest.
 */
export function generateCorpus(opts: CorpusOptions): CorpusEntry[] {
  const random = seededRandom(opts.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const sharedTarget = Math.round(opts.count * (opts.sharedFraction ?? 0.3));
  const inputs: FindingInput[] = [];
  let group = 0;
  const base = Date.parse('2026-11-26T10:00:00Z');
  const make = (n: number, extra: Partial<FindingInput>): FindingInput => ({
    schemaVersion: 1,
    id: `${opts.idPrefix}-${String(n).padStart(5, '0')}`,
    source: { agent: pick(['dep-scanner', 'secret-scanner', 'lint-bot']), run: `run-${n % 17}` },
    severity: pick(SEVERITIES),
    title: `${opts.idPrefix}-${String(n).padStart(5, '0')} finding`,
    repo: pick(opts.repos),
    occurredAt: new Date(base + n * 1000).toISOString(),
    ...extra,
  });

  while (inputs.length < sharedTarget) {
    const size = Math.min(2 + Math.floor(random() * 5), Math.max(2, sharedTarget - inputs.length));
    const repo = pick(opts.repos);
    const explicit = group % 2 === 0;
    const agent = pick(['dep-scanner', 'secret-scanner', 'lint-bot']);
    for (let i = 0; i < size; i++) {
      const n = inputs.length;
      const id = `${opts.idPrefix}-${String(n).padStart(5, '0')}`;
      inputs.push(
        make(
          n,
          explicit
            ? { repo, fingerprint: `${opts.idPrefix}-group-${group}`, title: `${id} shared group ${group}` }
            : // Same agent, repo and normalised title → the same default fingerprint. The id
              // cannot be in such a title, so these are recognised by the group in the title.
              { repo, source: { agent }, title: `${opts.idPrefix} recurring problem ${group}` },
        ),
      );
    }
    group += 1;
  }
  while (inputs.length < opts.count) inputs.push(make(inputs.length, {}));
  // Interleave, so sharing findings arrive spread over the run rather than together.
  for (let i = inputs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [inputs[i], inputs[j]] = [inputs[j]!, inputs[i]!];
  }
  return inputs.map((input) => ({ input, finding: findingSchema.parse(input) }));
}

/** How many findings share a fingerprint with another (per repo), for reporting. */
export function sharedCount(corpus: readonly CorpusEntry[]): number {
  const byKey = new Map<string, number>();
  for (const { finding } of corpus) {
    const key = `${finding.repo ?? ''}\n${finding.fingerprint}`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  return [...byKey.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0);
}
