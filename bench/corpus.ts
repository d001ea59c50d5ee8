import { type PreparedMessage, prepareFinding } from '@finding-relay/publisher/finding';
import type { FindingInput } from '../src/finding/schema.js';

/**
 * A deterministic, realistic corpus: JSON sizes spread over ~500 B–2 KB, every severity, several
 * repos (some outside the allowlist `acme/*`, some without a repo), and a share of findings that
 * recur under a fingerprint another finding also carries (recurrences in the real world).
 */

export interface CorpusOptions {
  readonly n: number;
  /** Names this corpus's ids, so corpora of different parts never share an event id. */
  readonly tag: string;
  /** Fraction of findings carrying a fingerprint shared with others. Default 0.3. */
  readonly sharedFraction?: number;
  /** How many findings share one pooled fingerprint on average. Default 10. */
  readonly perSharedFingerprint?: number;
  readonly seed?: number;
}

export interface CorpusSummary {
  readonly n: number;
  readonly bytes: { min: number; median: number; max: number; total: number };
  readonly bySeverity: Record<string, number>;
  readonly byRepo: Record<string, number>;
  /** Findings carrying a pooled (shared) fingerprint, and how many distinct fingerprints overall. */
  readonly sharingFingerprint: number;
  readonly distinctFingerprints: number;
  /** Findings the allowlist (`acme/*`) lets through to GitHub. */
  readonly allowlisted: number;
}

export interface Corpus {
  readonly messages: PreparedMessage[];
  readonly summary: CorpusSummary;
}

export const BENCH_ALLOWLIST = 'acme/*';
const ALLOWED_REPOS = ['acme/web', 'acme/api', 'acme/infra', 'acme/mobile', 'acme/data-pipeline'];
const SEVERITY_WEIGHTS: Array<[FindingInput['severity'], number]> = [
  ['info', 0.2],
  ['low', 0.25],
  ['medium', 0.25],
  ['high', 0.2],
  ['critical', 0.1],
];
const AGENTS = ['dep-scanner', 'secret-scanner', 'sast-agent', 'iac-linter', 'license-bot'];
const WORDS =
  'dependency vulnerable version upgrade patched transitive exposure token secret leaked config bucket public policy missing check review license header unsafe deserialization injection query parameter sanitised path traversal archive timeout retry cache stale'.split(
    ' ',
  );

/** mulberry32: a tiny seeded PRNG, so every run benches the same corpus. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCorpus(options: CorpusOptions): Corpus {
  const random = prng(options.seed ?? 20261126);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const words = (count: number) => Array.from({ length: count }, () => pick(WORDS)).join(' ');
  const severity = () => {
    let r = random();
    for (const [name, weight] of SEVERITY_WEIGHTS) {
      r -= weight;
      if (r < 0) return name;
    }
    return 'info';
  };
  const repo = (): string | undefined => {
    const r = random();
    if (r < 0.05) return undefined; // GitHub drops it: no-repo
    if (r < 0.1) return 'other/tools'; // not-allowlisted
    return pick(ALLOWED_REPOS);
  };
  const sharedFraction = options.sharedFraction ?? 0.3;
  const pool = Array.from(
    { length: Math.max(1, Math.round((options.n * sharedFraction) / (options.perSharedFingerprint ?? 10))) },
    (_, k) => ({ fingerprint: `bench-recurring-${k}`, agent: pick(AGENTS), repo: repo(), title: words(6) }),
  );

  const messages: PreparedMessage[] = [];
  const sizes: number[] = [];
  const bySeverity: Record<string, number> = {};
  const byRepo: Record<string, number> = {};
  const fingerprints = new Set<string>();
  let sharing = 0;
  let allowlisted = 0;
  for (let i = 0; i < options.n; i++) {
    const shared = random() < sharedFraction ? pick(pool) : undefined;
    if (shared) sharing++;
    const findingRepo = shared ? shared.repo : repo();
    const base: FindingInput = {
      schemaVersion: 1,
      id: `bench-${options.tag}-${i}`,
      source: { agent: shared?.agent ?? pick(AGENTS), run: `run-${Math.floor(i / 250)}` },
      severity: severity(),
      title: shared ? `${shared.title} (${i})` : `${words(5)} #${i}`,
      ...(findingRepo ? { repo: findingRepo } : {}),
      ...(shared ? { fingerprint: shared.fingerprint } : {}),
      labels: [pick(['security', 'quality', 'compliance']), pick(['auto', 'agent'])],
      url: `https://scanner.example.com/findings/${options.tag}/${i}`,
      occurredAt: new Date(Date.UTC(2026, 10, 26, 10, 0, 0) + i * 1000).toISOString(),
      metadata: {
        rule: `R${Math.floor(random() * 900) + 100}`,
        file: `src/${pick(WORDS)}/${pick(WORDS)}.ts`,
      },
    };
    const target = 500 + Math.floor(random() * 1548); // JSON size aimed at 500–2047 bytes
    const baseBytes = prepareFinding(base).data.byteLength + '"body":"",'.length;
    const body = baseBytes < target ? words(Math.ceil((target - baseBytes) / 8)) : '';
    const prepared = prepareFinding(body ? { ...base, body: body.slice(0, target - baseBytes) } : base);
    messages.push(prepared);
    sizes.push(prepared.data.byteLength);
    bySeverity[base.severity] = (bySeverity[base.severity] ?? 0) + 1;
    byRepo[findingRepo ?? '(none)'] = (byRepo[findingRepo ?? '(none)'] ?? 0) + 1;
    if (findingRepo?.startsWith('acme/')) allowlisted++;
    fingerprints.add(prepared.attributes.fingerprint!);
  }
  const sorted = [...sizes].sort((a, b) => a - b);
  return {
    messages,
    summary: {
      n: options.n,
      bytes: {
        min: sorted[0] ?? 0,
        median: sorted[Math.floor(sorted.length / 2)] ?? 0,
        max: sorted.at(-1) ?? 0,
        total: sizes.reduce((a, b) => a + b, 0),
      },
      bySeverity,
      byRepo,
      sharingFingerprint: sharing,
      distinctFingerprints: fingerprints.size,
      allowlisted,
    },
  };
}
