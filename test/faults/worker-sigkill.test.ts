import { expect, it } from 'vitest';
import { seededRandom } from '../support/e2e-corpus.js';
import { runFaultScenario, SHORT_LEASES, untilIssues } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

it('the worker is SIGKILLed three times at random points and restarted: nothing lost or repeated', async () => {
  const random = seededRandom(Number(process.env.E2E_SEED ?? 6));
  const kills: number[] = [];
  const { report, figures, exitCodes } = await runFaultScenario({
    name: 'f6-worker-sigkill-x3',
    emulatorHost: emulatorHost(),
    env: SHORT_LEASES,
    rescueDuringFault: true,
    timeoutMs: 300_000,
    inject: async (s) => {
      s.markFault('start', 'any');
      // Random points spread over the run (by issues created, out of ~1,540 fingerprint groups).
      for (const [from, to] of [
        [100, 400],
        [500, 800],
        [900, 1_200],
      ] as const) {
        await untilIssues(s, Math.round(from + random() * (to - from)), 240_000);
        const [worker] = s.alive();
        worker!.kill('SIGKILL');
        expect(await worker!.exited).toBe('SIGKILL');
        kills.push(Date.now() - s.started);
        await s.startWorkers(1);
      }
      s.markFault('end', 'any');
    },
  });
  console.info(
    `[f6-worker-sigkill-x3] killed at ${kills.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`,
  );
  expect(report.violations).toEqual([]);
  expect(exitCodes).toEqual([0]);
  expect(figures.workersStarted).toBe(4);
});
