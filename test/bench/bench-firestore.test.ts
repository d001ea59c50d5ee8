import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_OUT } from '../../bench/args.js';
import type { BenchResults } from '../../bench/results-types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'bench-firestore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 150;

/** `tsx bench/run.ts --state firestore --n 150 --reps 1 --out FILE`: it starts both emulators itself. */
function runFirestoreBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      tsx,
      ['bench/run.ts', '--state', 'firestore', '--n', String(N), '--reps', '1', '--out', out],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...(process.env.FIRESTORE_EMULATOR_HOST && {
            FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST,
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    // The bench stops its emulators and consumers itself, also on SIGTERM.
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGTERM'), 110_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run bench -- --state firestore', () => {
  it('runs part 1 on the Firestore emulator too: its commits, writes and reads are counted and add up', async () => {
    const out = join(dir, 'firestore.json');
    const latestBefore = existsSync(DEFAULT_OUT) ? statSync(DEFAULT_OUT).mtimeMs : undefined;
    const { code, output } = await runFirestoreBench(out);
    expect(code, output.slice(-4000)).toBe(0);
    expect(output).toContain('relay on Firestore (emulator)');
    expect(output).toContain('Firestore per 1k findings');
    expect(existsSync(DEFAULT_OUT) ? statSync(DEFAULT_OUT).mtimeMs : undefined).toBe(latestBefore);

    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.meta.options.state).toBe('firestore');
    // Only part 1 unless asked; the sqlite relay still runs beside it.
    const { ceiling } = results;
    if (!ceiling?.firestore) throw new Error('no Firestore figures');
    expect(results.latency).toBeUndefined();
    expect(results.backlog).toBeUndefined();
    expect(ceiling.relay.perRep[0]!.relay!.firestore).toBeUndefined();
    expect(ceiling.firestoreRatio!.median).toBeGreaterThan(0);

    // The emulator the bench started is gone (stopped by its PID).
    const emulator = results.meta.firestoreEmulator!;
    if (emulator.startedByBench) expect(alive(emulator.pid!)).toBe(false);

    const rep = ceiling.firestore.perRep[0]!;
    expect(rep.settled).toBe(N);
    const relay = rep.relay!;
    expect(relay.outboxLeft).toBe(0);
    expect(Object.keys(rep.outcomes).filter((k) => k.endsWith(':queued'))).toEqual([]);
    for (const channel of ['slack', 'github']) {
      const total = Object.entries(rep.outcomes)
        .filter(([key]) => key.startsWith(`${channel}:`))
        .reduce((sum, [, n]) => sum + n, 0);
      expect(total, channel).toBe(N);
    }
    expect(relay.stateRows.deliveries).toBeGreaterThan(0);
    expect(relay.stateRows.deliveries).toBeLessThanOrEqual(2 * N);

    // The counters: something of everything, and they add up.
    const fs = relay.firestore!;
    expect(fs.commitsPer1k).toBeGreaterThan(0);
    expect(fs.writesPer1k).toBeGreaterThanOrEqual(fs.commitsPer1k);
    expect(fs.readsPer1k).toBeGreaterThan(0);
    const byOp = Object.values(fs.byOpPer1k);
    const sum = (pick: (io: (typeof byOp)[number]) => number) => byOp.reduce((a, io) => a + pick(io), 0);
    expect(sum((io) => io.commits)).toBeCloseTo(fs.commitsPer1k, 0);
    expect(sum((io) => io.writes)).toBeCloseTo(fs.writesPer1k, 0);
    expect(sum((io) => io.reads)).toBeCloseTo(fs.readsPer1k, 0);
    // A commit is the Firestore run's state transaction.
    expect(relay.stateTxPer1k).toBeCloseTo(fs.commitsPer1k, 0);
    // Intake commits whole micro-batches: far fewer commits than findings, each with many writes.
    const enqueue = fs.byOpPer1k.enqueue!;
    expect(enqueue.commits).toBeGreaterThan(0);
    expect(enqueue.commits).toBeLessThan(1000);
    expect(enqueue.writes).toBeGreaterThan(enqueue.commits);
    expect(fs.byOpPer1k.takeDue?.commits).toBeGreaterThan(0);
    expect(fs.byOpPer1k.complete?.writes).toBeGreaterThan(0);

    // The targets are reported (never asserted).
    const names = results.targets.map((t) => t.name);
    expect(names).toContain('part 1 on Firestore: commits / 1,000 findings (median)');
    expect(names).toContain('part 1 on Firestore: document writes / 1,000 findings (median)');
    for (const t of results.targets)
      expect(t.met).toBe(t.op === '≥' ? t.value >= t.target : t.value <= t.target);
  }, 120_000);
});
