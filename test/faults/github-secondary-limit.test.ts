import { expect, it } from 'vitest';
import { runFaultScenario, sleep } from '../support/e2e-fault-run.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

it('GitHub answers 403 secondary rate limit with retry-after for 60 s: waits, then resumes', async () => {
  const { report, figures, exitCodes, scenario } = await runFaultScenario({
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
  // Never a Pub/Sub redelivery. The client waits a secondary limit's retry-after in place (every
  // write paused) and the GitHub sink retries what it hands back within the dispatcher's cycle,
  // so outbox retries are not required here (measured: 0); the limit must be seen and honoured.
  expect(figures.workerLogs.nacked).toBe(0);
  expect(figures.github.failedRequests).toBeGreaterThan(0);
  // Honoured: the 403s come in bursts (requests already on their way), and nothing at all is
  // sent from shortly after a burst until its retry-after (10 s) has passed.
  const requests = [...scenario.github.requests].sort((a, b) => a.at - b.at);
  const bursts: number[][] = [];
  for (const r of requests.filter((r) => r.status === 403)) {
    const last = bursts.at(-1);
    if (last && r.at - last.at(-1)! < 1_000) last.push(r.at);
    else bursts.push([r.at]);
  }
  const inside = bursts.flatMap((b) =>
    requests.filter((r) => r.at > b.at(-1)! + 200 && r.at < b[0]! + 9_500).map((r) => r.at - b[0]!),
  );
  console.info(
    `[f4-github-secondary-limit] 403 bursts at ${bursts.map((b) => `${((b[0]! - scenario.started) / 1000).toFixed(1)} s (${b.length})`).join(', ')}; requests inside a retry-after: ${inside.length}`,
  );
  expect(bursts.length).toBeGreaterThan(1);
  expect(inside).toEqual([]);
});
