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
const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tsx bench/run.ts --quick --out FILE` as its own process group (it starts its own emulator). */
function runQuickBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['bench/run.ts', '--quick', '--out', out], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    // The bench stops its emulator and consumers itself, also on SIGTERM.
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGTERM'), 280_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Paths of every leaf that is not a finite number, string or boolean (NaN becomes null in JSON). */
function missingFigures(value: unknown, path = '$'): string[] {
  if (value === null || value === undefined) return [path];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => missingFigures(v, `${path}[${i}]`));
  if (typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => missingFigures(v, `${path}.${k}`));
  return [];
}

/** Each channel's outcomes of one relay run must account for every published finding exactly once. */
function expectOutcomesAddUp(outcomes: Record<string, number>, published: number, where: string) {
  for (const channel of ['slack', 'github']) {
    const total = Object.entries(outcomes)
      .filter(([key]) => key.startsWith(`${channel}:`))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(total, `${where}: ${channel} outcomes`).toBe(published);
  }
  expect(outcomes['slack:none'] ?? 0, where).toBe(0);
  expect(outcomes['github:none'] ?? 0, where).toBe(0);
}

describe('npm run bench -- --quick', () => {
  it('measures every part, writes only where told, and every outcome count adds up', async () => {
    const out = join(dir, 'quick.json');
    const latestBefore = existsSync(DEFAULT_OUT) ? statSync(DEFAULT_OUT).mtimeMs : undefined;
    const { code, output } = await runQuickBench(out);
    expect(code, output.slice(-4000)).toBe(0);
    expect(output).toContain('1. Ceiling vs relay');
    expect(output).toContain('4. Outbound per 1,000 findings');
    expect(output).toContain('Targets (issue 14');
    expect(existsSync(DEFAULT_OUT) ? statSync(DEFAULT_OUT).mtimeMs : undefined).toBe(latestBefore);

    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(missingFigures(results)).toEqual([]);
    const { ceiling, latency, backlog, outbound } = results;
    if (!ceiling || !latency || !backlog || !outbound) throw new Error('a part is missing');
    expect(results.meta.options.quick).toBe(true);

    // 1. Ceiling vs relay: one repetition each, every finding settled for good.
    expect(ceiling.bare.perRep).toHaveLength(1);
    expect(ceiling.relay.perRep).toHaveLength(1);
    for (const rep of [...ceiling.bare.perRep, ...ceiling.relay.perRep]) {
      expect(rep.settled).toBe(ceiling.n);
      expect(rep.findingsPerS).toBeGreaterThan(0);
      expect(rep.cpuSPer1k).toBeGreaterThan(0);
      expect(rep.cpuSPer1k).toBeGreaterThanOrEqual(rep.ackCpuSPer1k);
    }
    expect(ceiling.bare.perRep[0]!.settlements.ack).toBeGreaterThanOrEqual(ceiling.n);
    expect(ceiling.bare.perRep[0]!.relay).toBeUndefined();
    const relayRep = ceiling.relay.perRep[0]!;
    const relay = relayRep.relay!;
    // What the acks said adds up, and so does the final outcome once the dispatchers are done:
    // every entry queued at an ack became exactly one dispatched outcome.
    expectOutcomesAddUp(relay.ackOutcomes, ceiling.n, 'ceiling relay, at the acks');
    expectOutcomesAddUp(relayRep.outcomes, ceiling.n, 'ceiling relay, final');
    expect(
      (relay.ackOutcomes['slack:queued'] ?? 0) + (relay.ackOutcomes['github:queued'] ?? 0),
    ).toBeGreaterThan(0);
    expect(Object.keys(relayRep.outcomes).filter((k) => k.endsWith(':queued'))).toEqual([]);
    expect(relay.outboxLeft).toBe(0);
    expect(relay.outboxDrainedPerS).toBeGreaterThan(0);
    expect(relay.outboxDrainedPerS).toBeLessThanOrEqual(relayRep.findingsPerS);
    // State transactions, counted by operation: intake enqueues whole micro-batches.
    const byOp = relay.stateTxPer1kByOp;
    expect(byOp.enqueue).toBeGreaterThan(0);
    expect(byOp.enqueue).toBeLessThan(1000);
    expect(byOp.takeDue).toBeGreaterThan(0);
    expect(byOp.complete).toBeGreaterThan(0);
    expect(relay.stateTxPer1k).toBeCloseTo(
      Object.values(byOp).reduce((a, b) => a + b, 0),
      0,
    );
    expect(relay.stateRows.deliveries).toBeGreaterThan(0);
    expect(relay.stateRows.deliveries).toBeLessThanOrEqual(2 * ceiling.n);
    expect(ceiling.ratio.median).toBeGreaterThan(0);
    expect(ceiling.ratio.median).toBeCloseTo(relayRep.findingsPerS / ceiling.bare.perRep[0]!.findingsPerS, 3);

    // 2. Latency: both window settings, ack and post percentiles in order.
    expect(latency.runs.map((r) => r.slackWindowMs)).toEqual([0, 5000]);
    expect(latency.bare.ackP50Ms).toBeLessThanOrEqual(latency.bare.ackP99Ms);
    expect(latency.bare.ackP99Ms).toBeLessThanOrEqual(latency.bare.ackMaxMs);
    for (const run of latency.runs) {
      expect(run.published).toBe(latency.perSecond * latency.seconds);
      expect(run.settled).toBe(run.published);
      expectOutcomesAddUp(run.outcomes, run.published, `latency ${run.slackWindowMs}`);
      expect(run.ackP50Ms).toBeLessThanOrEqual(run.ackP95Ms);
      expect(run.ackP95Ms).toBeLessThanOrEqual(run.ackP99Ms);
      expect(run.ackP99Ms).toBeLessThanOrEqual(run.ackMaxMs);
      expect(run.postP50Ms).toBeLessThanOrEqual(run.postP95Ms);
      expect(run.postP95Ms).toBeLessThanOrEqual(run.postP99Ms);
      expect(run.postP99Ms).toBeLessThanOrEqual(run.postMaxMs);
      // Every finding Slack posted has a post latency; a post comes after its ack.
      expect(run.postCount).toBe(run.outcomes['slack:sent']);
      expect(run.postP50Ms).toBeGreaterThanOrEqual(run.ackP50Ms);
      expect(run.postTargetMs).toBe(run.slackWindowMs + 1500);
      expect(run.stateTxPer1k).toBeGreaterThan(0);
      expect(run.eventLoopDelayP99Ms).toBeLessThanOrEqual(run.eventLoopDelayMaxMs);
    }

    // 3. Backlog: the bare subscriber and the relay each drained it completely, with memory series.
    expect(backlog.settled).toBe(backlog.n);
    expect(backlog.bare.settled).toBe(backlog.n);
    expectOutcomesAddUp(backlog.outcomes, backlog.n, 'backlog');
    expect(backlog.outboxLeft).toBe(0);
    expect(backlog.series.length).toBeGreaterThan(1);
    expect(backlog.series.at(-1)?.settled).toBe(backlog.n);
    expect(backlog.peakRssMb).toBeGreaterThanOrEqual(Math.max(...backlog.series.map((s) => s.rssMb)));
    expect(backlog.bare.findingsPerS).toBeGreaterThan(0);
    expect(backlog.bare.peakRssMb).toBeGreaterThan(0);
    expect(backlog.ratio.findingsPerS).toBeCloseTo(backlog.findingsPerS / backlog.bare.findingsPerS, 2);
    expect(backlog.ratio.peakRssMb).toBeCloseTo(backlog.peakRssMb / backlog.bare.peakRssMb, 2);

    // 4. Outbound: every dry-run outcome is exactly one ledger record, nothing reached GitHub.
    const relayOutcomes = relayRep.outcomes;
    const records = outbound.totals.ledgerRecords;
    expect(records.createIssue + records.commentIssue).toBe(records.total);
    expect(records.total).toBe(relayOutcomes['github:dry-run']);
    expect(outbound.totals.githubRequests).toBe(0);
    expect(outbound.totals.slackMessages).toBeGreaterThan(0);
    expect(outbound.totals.slackMessages).toBeLessThanOrEqual(relayOutcomes['slack:sent'] ?? 0);
    expect(outbound.totals.ledgerObjects).toBeGreaterThan(0);
    expect(outbound.naivePer1k.slack).toBeGreaterThan(outbound.slackMessagesPer1k);
    expect(outbound.stateTxPer1k).toBeGreaterThan(0);

    // The issue's targets are reported (never asserted): one line per figure.
    expect(results.targets.map((t) => t.name)).toHaveLength(2 + 2 * latency.runs.length + 2);
    for (const t of results.targets)
      expect(t.met).toBe(t.op === '≥' ? t.value >= t.target : t.value <= t.target);
  }, 300_000);
});
