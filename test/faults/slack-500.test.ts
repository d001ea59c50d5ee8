import { expect, it } from 'vitest';
import { runFaultScenario, sleep } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

it('Slack answers 500 for 30 s, then recovers: every finding settles once or is dead-lettered', async () => {
  const { report, figures, exitCodes } = await runFaultScenario({
    name: 'f1-slack-500',
    emulatorHost: emulatorHost(),
    timeoutMs: 240_000,
    inject: async (s) => {
      s.slack.setMode({ kind: 'status', status: 500, body: 'rollup_error' });
      s.markFault('start', 'slack');
      await sleep(30_000);
      s.slack.setMode({ kind: 'ok' });
      s.markFault('end', 'slack');
    },
  });
  expect(report.violations).toEqual([]);
  expect(exitCodes).toEqual([0]);
  // Transient failures are retried from the outbox by the dispatcher, never by a Pub/Sub redelivery.
  expect(figures.workerLogs.nacked).toBe(0);
  expect(figures.workerLogs.dispatchRetries).toBeGreaterThan(0);
  expect(figures.slack.received).toBeGreaterThan(figures.slack.accepted); // the fault was seen
  expect(figures.recoverMs).toBeDefined(); // Slack got through again after it
});
