import { expect, it } from 'vitest';
import { runFaultScenario, SHORT_LEASES, untilIssues } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

it('two workers share the subscription; one is SIGKILLed mid-run: the other carries on, nothing doubled', async () => {
  const { report, exitCodes } = await runFaultScenario({
    name: 'f7-two-workers-one-killed',
    emulatorHost: emulatorHost(),
    workers: 2,
    env: SHORT_LEASES,
    rescueDuringFault: true,
    timeoutMs: 240_000,
    inject: async (s) => {
      await untilIssues(s, 500);
      const [victim] = s.alive();
      victim!.kill('SIGKILL');
      s.markFault('start', 'any');
      expect(await victim!.exited).toBe('SIGKILL');
      s.markFault('end', 'any');
    },
  });
  expect(report.violations).toEqual([]);
  // The survivor drains and exits cleanly; no replacement was started.
  expect(exitCodes).toEqual([0]);
});
