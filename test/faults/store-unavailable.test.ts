import { describe, expect, it } from 'vitest';
import { runFaultScenario, sleep, untilIssues } from '../support/e2e-fault-run.js';
import type { Scenario } from '../support/e2e-scenario.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';

/** 30 s without a state store, once the run is well under way. */
async function storeDown(s: Scenario) {
  await untilIssues(s, 300);
  await s.setStoreUnavailable(true);
  s.markFault('start', 'any');
  await sleep(30_000);
  await s.setStoreUnavailable(false);
  s.markFault('end', 'any');
}

describe('the state store is unavailable for 30 s', () => {
  // The file backend: its root becomes a file (a symlink swapped atomically), so every read and
  // write fails with ENOTDIR, whatever the user (chmod does not stop root).
  it('file backend: claims wait, nothing proceeds unclaimed, everything settles after', async () => {
    const { report, figures, exitCodes } = await runFaultScenario({
      name: 'f5a-store-file',
      emulatorHost: emulatorHost(),
      timeoutMs: 240_000,
      inject: storeDown,
    });
    expect(report.violations).toEqual([]);
    expect(exitCodes).toEqual([0]);
    expect(figures.workerLogs.storeUnavailable).toBeGreaterThan(0);
  });

  it('gs backend (the GCS stand-in stopped: connections refused): the same', async () => {
    const { report, figures, exitCodes } = await runFaultScenario({
      name: 'f5b-store-gcs',
      emulatorHost: emulatorHost(),
      store: 'gcs',
      timeoutMs: 240_000,
      inject: storeDown,
    });
    expect(report.violations).toEqual([]);
    expect(exitCodes).toEqual([0]);
    expect(figures.workerLogs.storeUnavailable).toBeGreaterThan(0);
  });
});
