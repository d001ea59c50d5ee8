import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const PARTS = ['ceiling', 'latency', 'backlog', 'outbound'] as const;
export type Part = (typeof PARTS)[number];
export const STATES = ['sqlite', 'firestore'] as const;
export type BenchState = (typeof STATES)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly parts: readonly Part[];
  /** Findings of the ceiling corpus (outbound reuses it). */
  readonly n: number;
  readonly reps: number;
  /** Latency: offered findings per second, for this many seconds, per Slack window setting. */
  readonly rate: number;
  readonly seconds: number;
  readonly windowsMs: readonly number[];
  /** Findings published before the relay starts. */
  readonly backlog: number;
  readonly out: string;
  /** Also run one profiled relay pass over the ceiling corpus (--cpu-prof). */
  readonly profile: boolean;
  /** Keep the consumers' logs (the relay's log lines) under the run directory. */
  readonly keepLogs: boolean;
  /** Where each relay run's directory goes (its sqlite STATE_URI file and STORAGE_URI ledger). */
  readonly storeRoot: string;
  /**
   * `firestore`: part 1 also runs the relay with STATE_URI=firestore://… on the Firestore emulator,
   * beside the sqlite relay of each repetition (and only part 1 unless --only says otherwise).
   */
  readonly state: BenchState;
}

export const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));
export const DEFAULT_STORE_ROOT = join(tmpdir(), 'finding-relay-bench', 'stores');

/**
 * The sizes of issue 14's benchmark asks: part 1 20,000 findings × 3 repetitions, part 2 500/s
 * for 30 s (each Slack window), part 3 a 100,000 backlog (the bare subscriber on the same).
 * Every figure can be changed with its flag.
 */
export const FULL = { n: 20_000, reps: 3, rate: 500, seconds: 30, backlog: 100_000 } as const;
export const QUICK = { n: 1_000, reps: 1, rate: 200, seconds: 5, backlog: 2_000 } as const;

export const USAGE = `npm run bench -- [--quick] [--only ${PARTS.join('|')}[,…]] [--n N] [--reps R]
                   [--rate PER_S] [--seconds S] [--backlog N] [--profile] [--out FILE]
                   [--store-root DIR] [--keep-logs] [--state sqlite|firestore]`;

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new BenchUsageError(`--${name} must be a positive integer`);
  return value;
}

function storeRootOf(text: string | undefined): string {
  if (text === undefined) return DEFAULT_STORE_ROOT;
  if (!isAbsolute(text)) throw new BenchUsageError('--store-root must be an absolute path');
  return text;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec }>>;
  const spec = {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    n: { type: 'string' },
    reps: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    backlog: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'boolean' },
    'store-root': { type: 'string' },
    'keep-logs': { type: 'boolean' },
    state: { type: 'string' },
  } as const;
  try {
    parsed = parseArgs({ args: [...argv], options: spec, allowPositionals: false });
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  const base = v.quick ? QUICK : FULL;
  const state = v.state ?? 'sqlite';
  if (!(STATES as readonly string[]).includes(state))
    throw new BenchUsageError(`--state must be one of ${STATES.join(', ')}`);
  // The Firestore figures are part 1's: the other parts run on sqlite, only when asked.
  const defaultParts: Part[] = state === 'firestore' ? ['ceiling'] : [...PARTS];
  const parts = v.only ? v.only.split(',').map((p) => p.trim()) : defaultParts;
  for (const part of parts) {
    if (!(PARTS as readonly string[]).includes(part))
      throw new BenchUsageError(`--only: unknown part "${part}" (${PARTS.join(', ')})`);
  }
  return {
    quick: v.quick ?? false,
    parts: parts as Part[],
    n: positive('n', v.n, base.n),
    reps: positive('reps', v.reps, base.reps),
    rate: positive('rate', v.rate, base.rate),
    seconds: positive('seconds', v.seconds, base.seconds),
    windowsMs: [0, 5000],
    backlog: positive('backlog', v.backlog, base.backlog),
    out: v.out ?? DEFAULT_OUT,
    profile: v.profile ?? false,
    storeRoot: storeRootOf(v['store-root']),
    keepLogs: v['keep-logs'] ?? false,
    state: state as BenchState,
  };
}
