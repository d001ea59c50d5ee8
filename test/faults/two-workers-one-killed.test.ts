import { describe, expect, it } from 'vitest';
import { runFaultScenario, SHORT_LEASES, untilIssues } from '../support/e2e-fault-run.js';
import { FIRESTORE_GITHUB_SHARE, useFirestoreEmulator } from '../support/e2e-firestore.js';
import type { ScenarioState } from '../support/e2e-scenario.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';
import type { Env } from '../support/relay-harness.js';

/**
 * Two workers share the subscription and the state; one is SIGKILLed about a third into the
 * GitHub issues: the other carries on, nothing lost or doubled. On sqlite (one file) and on
 * Firestore (the scenario's project on the real emulator, issue 15; GitHub takes one repo's
 * findings there: FIRESTORE_GITHUB_SHARE).
 */
async function oneOfTwoKilled(name: string, state: ScenarioState, opts: { env?: Env; killAtIssues: number }) {
  const { report, exitCodes } = await runFaultScenario({
    name,
    emulatorHost: emulatorHost(),
    workers: 2,
    env: { ...SHORT_LEASES, ...opts.env },
    rescueDuringFault: true,
    timeoutMs: 240_000,
    state,
    inject: async (s) => {
      await untilIssues(s, opts.killAtIssues);
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
}

it('two workers share the subscription; one is SIGKILLed mid-run: the other carries on, nothing doubled', () =>
  oneOfTwoKilled('f7-two-workers-one-killed', { backend: 'sqlite' }, { killAtIssues: 500 }));

describe('on Firestore', () => {
  const firestore = useFirestoreEmulator();
  it('two workers share a Firestore project; one is SIGKILLed mid-run: the other carries on, nothing doubled', () =>
    oneOfTwoKilled('f7-two-workers-one-killed-firestore', firestore.state(), {
      env: FIRESTORE_GITHUB_SHARE,
      killAtIssues: 100,
    }));
});
