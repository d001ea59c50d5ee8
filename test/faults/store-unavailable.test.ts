import { expect, it } from 'vitest';
import { runFaultScenario, sleep } from '../support/e2e-fault-run.js';
import type { Scenario } from '../support/e2e-scenario.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

/** Times (epoch ms) of intake's `queued` outcome lines in the workers' logs. */
const queuedTimes = (s: Scenario) =>
  s.workers.flatMap((w) =>
    w
      .output()
      .split('\n')
      .filter((l) => l.includes('"outcome":"queued"') && l.includes('"message":"outcome"'))
      .map((l) => (JSON.parse(l) as { time: number }).time),
  );

/**
 * The embedded sqlite store cannot be "stopped"; its realistic outage is another process holding
 * the write lock. A child process holds `BEGIN EXCLUSIVE` on the scenario's state.db for 30 s
 * (and proves it: a second connection of its own is refused a write at the start and at the end),
 * taken while intake is still taking the corpus in: once intake has logged 100 queued outcomes
 * (it acks 2,000 in ~8 s, so the lock certainly falls inside intake). Intake's enqueue waits
 * (bounded, 60 s: src/lib/store-wait.ts) rather than nacking, dispatchers wait to take and
 * record, and everything settles after.
 */
it('another process holds the sqlite write lock for 30 s: intake waits, nothing lost or doubled', async () => {
  const { report, figures, exitCodes, scenario } = await runFaultScenario({
    name: 'f5-store-locked',
    emulatorHost: emulatorHost(),
    timeoutMs: 240_000,
    injectWhilePublishing: true,
    inject: async (s) => {
      const deadline = Date.now() + 120_000;
      while (queuedTimes(s).length < 100) {
        if (Date.now() > deadline) throw new Error('intake queued nothing within 120 s');
        await sleep(20);
      }
      const lock = await s.holdWriteLock(30_000);
      s.markFault('start', 'any');
      await lock.released;
      s.markFault('end', 'any');
    },
  });
  const { start, end } = scenario.fault;
  const times = queuedTimes(scenario);
  const before = times.filter((t) => t < start!).length;
  // Inside the lock (half a second off its edges: a batch committed just before it logs just after).
  const during = times.filter((t) => t > start! + 500 && t < end! - 500).length;
  console.info(
    `[f5-store-locked] lock held ${start! - scenario.started}–${end! - scenario.started} ms; intake queued-outcome lines: ` +
      `${before} before it, ${during} inside it, ${times.length - before - during} after; last ack ${figures.lastAckMs} ms`,
  );
  expect(report.violations).toEqual([]);
  expect(exitCodes).toEqual([0]);
  expect(report.deadLetters.total).toBe(0);
  // The lock fell inside intake: intake had queued some, waited (logged), queued nothing while the
  // lock was held, and acked again after it.
  expect(before).toBeGreaterThan(0);
  expect(figures.workerLogs.storeUnavailable).toBeGreaterThan(0);
  expect(during).toBe(0);
  expect(figures.lastAckMs! + scenario.started).toBeGreaterThan(end!);
  expect(figures.workerLogs.nacked).toBe(0); // a 30 s lock is inside the bounded wait
  expect(report.repeats).toEqual({ slackDigests: 0, githubWrites: 0 });
});
