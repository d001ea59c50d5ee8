import { expect, it } from 'vitest';
import { runFaultScenario, untilIssues } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

/**
 * The embedded sqlite store cannot be "stopped"; its realistic outage is another process holding
 * the write lock. A child process holds `BEGIN EXCLUSIVE` on the scenario's state.db for 30 s,
 * while intake is still taking the corpus in (it acks 2,000 in ~20 s, long before GitHub is done):
 * intake's enqueue waits (bounded, 60 s: src/lib/store-wait.ts)
 * rather than nacking, dispatchers wait to take and record, and everything settles after.
 */
it('another process holds the sqlite write lock for 30 s: intake waits, nothing lost or doubled', async () => {
  const { report, figures, exitCodes } = await runFaultScenario({
    name: 'f5-store-locked',
    emulatorHost: emulatorHost(),
    timeoutMs: 240_000,
    inject: async (s) => {
      await untilIssues(s, 20);
      const lock = await s.holdWriteLock(30_000);
      s.markFault('start', 'any');
      await lock.released;
      s.markFault('end', 'any');
    },
  });
  expect(report.violations).toEqual([]);
  expect(exitCodes).toEqual([0]);
  expect(report.deadLetters.total).toBe(0);
  expect(figures.workerLogs.storeUnavailable).toBeGreaterThan(0); // the lock was felt by intake
  expect(figures.workerLogs.nacked).toBe(0); // a 30 s lock is inside the bounded wait
  expect(report.repeats).toEqual({ slackDigests: 0, githubWrites: 0 });
});
