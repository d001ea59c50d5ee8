import { describe, expect, it } from 'vitest';
import { SHORT_LEASES, untilIssues } from '../support/e2e-fault-run.js';
import type { InvariantReport } from '../support/e2e-invariants.js';
import { Scenario } from '../support/e2e-scenario.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

/**
 * Issue 5: workers share one subscription and one file store, with Slack ENABLED and GitHub REAL
 * against the stand-ins; the invariants (e2e-invariants.ts) must hold, also when one worker is
 * SIGKILLed mid-run and a fresh one takes over.
 */

const COUNT = 1_000;

function expectInvariants(report: InvariantReport, scenario: Scenario) {
  expect(report.violations).toEqual([]);
  const settled = scenario.corpus.length;
  // Every finding reached a final outcome on both channels here (no fault → nothing dead-lettered).
  expect(report.deadLetters.total).toBe(0);
  expect((report.outcomes['slack:sent'] ?? 0) + (report.outcomes['slack:dropped:duplicate'] ?? 0)).toBe(
    settled,
  );
  expect((report.outcomes['github:sent'] ?? 0) + (report.outcomes['github:dropped:duplicate'] ?? 0)).toBe(
    settled,
  );
  // One announcement and one issue per fingerprint group: 30% of the corpus shares fingerprints.
  expect(report.outcomes['slack:dropped:duplicate']).toBeGreaterThan(0);
  const groups = new Set(scenario.corpus.map((e) => `${e.finding.repo} ${e.finding.fingerprint}`));
  expect(report.github.openIssues).toBe(groups.size);
  expect(report.github.issues).toBe(groups.size);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('shared state across worker processes (issue 5)', () => {
  it('two workers on one subscription settle 1,000 findings once each', async () => {
    const scenario = await Scenario.start({ name: 'shared', count: COUNT, emulatorHost: emulatorHost() });
    try {
      const [w1, w2] = await scenario.startWorkers(2);
      const ready = Date.now();
      await scenario.publish();
      // A redelivery the emulator owes but fails to make is published again (counted, normally 0).
      const republished = await scenario.redeliverWhenStalled(15_000, 90_000);
      await scenario.waitForAll(30_000);
      const settled = Date.now();
      expect(await scenario.stopWorkers()).toEqual([0, 0]);
      const { report, figures } = await scenario.judge();
      expectInvariants(report, scenario);
      // Both took part: the subscription spread the load and the store kept it single.
      for (const w of [w1!, w2!]) expect(w.output()).toMatch(/"outcome":"sent"/);
      console.info(
        `[shared-state] workers ready ${seconds(ready - scenario.started)}, ${COUNT} findings settled in ${seconds(settled - ready)}; ` +
          `${figures.slack.accepted} Slack digests, ${figures.github.issues} issues, ${figures.workerLogs.redelivered} redelivered, ${republished} published again`,
      );
    } finally {
      await scenario.close();
    }
  }, 150_000);

  it('one of two workers SIGKILLed mid-run: a fresh worker takes over, nothing lost or repeated', async () => {
    const scenario = await Scenario.start({
      name: 'shared-kill',
      count: COUNT,
      emulatorHost: emulatorHost(),
      env: SHORT_LEASES,
    });
    try {
      const [victim] = await scenario.startWorkers(2);
      const ready = Date.now();
      await scenario.publish();
      // Mid-run: about a quarter of the issues exist, both workers are busy creating the rest.
      await untilIssues(scenario, 200);
      victim!.kill('SIGKILL');
      expect(await victim!.exited).toBe('SIGKILL');
      const killed = Date.now();
      await scenario.startWorkers(1);
      // The emulator never redelivers part of a killed client's messages; publish those again
      // (same ids), as Pub/Sub's redelivery would bring them (see e2e-emulator notes in the report).
      const republished = await scenario.redeliverWhenStalled(15_000, 120_000, { neverSettled: true });
      await scenario.waitForAll(30_000);
      const settled = Date.now();
      expect(await scenario.stopWorkers()).toEqual([0, 0]);
      const { report, figures } = await scenario.judge();
      expectInvariants(report, scenario);
      console.info(
        `[shared-state kill] killed after ${seconds(killed - ready)}, all settled ${seconds(settled - killed)} later; ` +
          `${republished} published again after the stall, ${figures.workerLogs.redelivered} redelivered, notes: ${report.notes.length}`,
      );
    } finally {
      await scenario.close();
    }
  }, 240_000);
});
