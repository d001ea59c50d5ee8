import { expect, it } from 'vitest';
import { runFaultScenario, sleep } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

it('GitHub answers 403 secondary rate limit with retry-after for 60 s: waits, then resumes', async () => {
  const { report, figures, exitCodes } = await runFaultScenario({
    name: 'f4-github-secondary-limit',
    emulatorHost: emulatorHost(),
    timeoutMs: 300_000,
    inject: async (s) => {
      s.github.setFault({ kind: 'secondary-limit', retryAfterS: 10, forMs: 60_000 });
      s.markFault('start', 'github');
      await sleep(60_000);
      s.github.setFault({ kind: 'none' });
      s.markFault('end', 'github');
    },
  });
  expect(report.violations).toEqual([]);
  expect(exitCodes).toEqual([0]);
  // Transient failures are retried from the outbox by the dispatcher, never by a Pub/Sub redelivery.
  expect(figures.workerLogs.nacked).toBe(0);
  expect(figures.workerLogs.dispatchRetries).toBeGreaterThan(0);
  expect(figures.github.failedRequests).toBeGreaterThan(0);
});
