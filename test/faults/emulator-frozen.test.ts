import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/pubsub/emulator-process.js';
import { runFaultScenario, sleep, untilIssues } from '../support/e2e-fault-run.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';

// A dedicated emulator: freezing the shared one would stall every other test's client.
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startPubSubEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

/** SIGSTOP/SIGCONT to the emulator's process group (the launcher script and its JVM). */
const signalEmulator = (signal: NodeJS.Signals) => process.kill(-emulator.pid, signal);

it('the emulator is frozen for 15 s: the worker rides it out, reconnects and resumes', async () => {
  let aliveAfterThaw = false;
  const { report, figures, exitCodes } = await runFaultScenario({
    name: 'f8-emulator-frozen',
    emulatorHost: emulator.host,
    timeoutMs: 240_000,
    inject: async (s) => {
      await untilIssues(s, 300);
      signalEmulator('SIGSTOP');
      s.markFault('start', 'any');
      try {
        await sleep(15_000);
      } finally {
        signalEmulator('SIGCONT');
      }
      s.markFault('end', 'any');
      await sleep(2_000);
      aliveAfterThaw = s.alive().length === 1;
    },
  });
  expect(aliveAfterThaw).toBe(true);
  expect(report.violations).toEqual([]);
  expect(exitCodes).toEqual([0]);
  expect(figures.workersStarted).toBe(1);
});
