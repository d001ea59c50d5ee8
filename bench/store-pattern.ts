/**
 * The relay's state-store work per finding, without Pub/Sub: what the profile of a relay run
 * shows dominating. Per finding, 1,000 at a time (the worker's flow control): claim Slack and
 * GitHub, open the Slack fingerprint window, read both issue indexes and open the dry-run entry,
 * mark both claims done. Run it on the filesystem you care about:
 *
 *   npx tsx bench/store-pattern.ts [--dir DIR] [--n N] [--reps R] [--count-ops]
 *
 * --count-ops counts file-system requests per finding with async_hooks (which itself costs CPU,
 * so CPU figures of that run are not comparable). `sysMsPerFinding` is the kernel's share of the
 * CPU (on ext4 without a journal, as here, mostly the search for a free inode past the recently
 * deleted ones). Deleting a store slows the file creations that follow on such a file system
 * for a minute or more, so the command line deletes its stores only at the end; compare runs
 * alternated in one call (runStorePattern takes the store to use and can keep it).
 */
import { createHook } from 'node:async_hooks';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IssueIndex } from '../src/channels/github/issue-index.js';
import { systemClock } from '../src/lib/clock.js';
import { type ClaimToken, createSideEffectClaims } from '../src/state/claims.js';
import { createFileStore } from '../src/state/file-store.js';
import { createFingerprintWindow } from '../src/state/fingerprint-window.js';
import { scopeStore } from '../src/state/scoped-store.js';
import type { StateStore } from '../src/state/store.js';
import { round } from './stats.js';

export interface StorePatternResult {
  readonly findingsPerS: number;
  readonly cpuMsPerFinding: number;
  /** Of which in the kernel (system time), e.g. the file system's own work. */
  readonly sysMsPerFinding: number;
  /** File-system requests per finding by async resource type (with --count-ops only). */
  readonly opsPerFinding?: Record<string, number>;
}

export interface StorePatternOptions {
  /** Count file-system requests (costs CPU itself). */
  readonly countOps?: boolean;
  /** The store to measure, on a fresh directory (default: the file store). */
  readonly makeStore?: (root: string) => StateStore;
  /** Leave the store's directory for the caller to delete (it is returned as `root`). */
  readonly keep?: boolean;
}

export async function runStorePattern(
  dir: string,
  n: number,
  options: StorePatternOptions = {},
): Promise<StorePatternResult & { root: string }> {
  const { countOps = false, makeStore = createFileStore } = options;
  const ops: Record<string, number> = {};
  const hook = countOps
    ? createHook({
        init(_id, type) {
          if (type.startsWith('FS') || type.startsWith('FILEHANDLE')) ops[type] = (ops[type] ?? 0) + 1;
        },
      }).enable()
    : undefined;
  const root = mkdtempSync(join(dir, 'store-pattern-'));
  try {
    const state = scopeStore(makeStore(root), 'state/staging');
    const claims = createSideEffectClaims(state, { holder: 'bench', leaseMs: 120_000, clock: systemClock });
    const window = createFingerprintWindow(state, { windowS: 86_400, clock: systemClock });
    const dryRun = new IssueIndex(state, 'dry-run');
    const real = new IssueIndex(state, 'real');
    const entry = { state: 'open', lastCommentAt: 'x', seenSinceComment: 0, firstSeenAt: 'x' } as const;
    const one = async (i: number) => {
      const id = `event-${i}`;
      const fingerprint = `fp-${i % Math.ceil(n * 0.7)}`; // ~30% recur, as in the bench corpus
      const [slack, github] = await Promise.all([claims.claim(id, 'slack'), claims.claim(id, 'github')]);
      await window.firstInWindow('slack', fingerprint, id);
      if (!(await dryRun.read('acme/web', fingerprint))) {
        await real.read('acme/web', fingerprint);
        await dryRun.create('acme/web', fingerprint, entry);
      }
      const token = (c: typeof slack) => (c.status === 'claimed' ? c.token : undefined) as ClaimToken;
      await Promise.all([
        claims.markDone(token(slack), { kind: 'sent' }),
        claims.markDone(token(github), { kind: 'dropped', reason: 'duplicate' }),
      ]);
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let s = 0; s < n; s += 1000)
      await Promise.all(Array.from({ length: Math.min(1000, n - s) }, (_, k) => one(s + k)));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    return {
      root,
      findingsPerS: round(n / seconds, 1),
      cpuMsPerFinding: round((used.user + used.system) / 1000 / n, 3),
      sysMsPerFinding: round(used.system / 1000 / n, 3),
      ...(countOps
        ? { opsPerFinding: Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, round(v / n, 1)])) }
        : {}),
    };
  } finally {
    hook?.disable();
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: join(tmpdir(), 'finding-relay-bench') },
      n: { type: 'string', default: '2000' },
      reps: { type: 'string', default: '3' },
      'count-ops': { type: 'boolean', default: false },
    },
  });
  mkdirSync(values.dir, { recursive: true });
  // The stores are deleted at the end, not between repetitions (see the note at the top).
  const roots: string[] = [];
  try {
    for (let rep = 0; rep < Number(values.reps); rep++) {
      const { root, ...result } = await runStorePattern(values.dir, Number(values.n), {
        countOps: values['count-ops'],
        keep: true,
      });
      roots.push(root);
      console.log(JSON.stringify(result));
    }
  } finally {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  }
}
