import { expect, it } from 'vitest';
import { runFaultScenario, sleep } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

it('Slack answers 429 with Retry-After in a storm: limits are respected, nothing doubled', async () => {
  const { report, figures, exitCodes } = await runFaultScenario({
    name: 'f2-slack-429-storm',
    emulatorHost: emulatorHost(),
    timeoutMs: 240_000,
    inject: async (s) => {
      // Slack's own pace (about 1/s, short bursts) all along, and a 30 s storm of 429s on top.
      s.slack.setRateLimit({ perSecond: 1, burst: 2 });
      s.slack.setMode({ kind: '429', retryAfterS: 5 });
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
  expect(figures.slack.received).toBeGreaterThan(figures.slack.accepted);
  expect(figures.recoverMs).toBeDefined();
});
