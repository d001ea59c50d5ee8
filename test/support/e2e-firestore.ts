import { afterAll, beforeAll } from 'vitest';
import { firestoreEmulatorClient, type ScenarioState } from './e2e-scenario.js';
import { type RunningFirestoreEmulator, startFirestoreEmulator } from './firestore-emulator.js';
import type { Env } from './relay-harness.js';

export { type StoppableRelay, startStoppableRelay } from './stoppable-relay.js';

/**
 * Worker environment for the Firestore fault scenarios: the same 2,000-finding corpus, but GitHub
 * takes one repo's findings (~310 issues instead of ~1,540; the others are dropped as
 * not-allowlisted by the route). On the emulator the issue index costs a few round trips per
 * issue (read, claim, record: ~30 issues/s against ~75 on sqlite), and these scenarios are about
 * the state store under intake and the outbox, not GitHub's volume: it keeps each under ~1 min.
 */
export const FIRESTORE_GITHUB_SHARE: Env = { GITHUB_REPO_ALLOWLIST: 'acme/api' };

/**
 * A Firestore emulator for the scenarios of the enclosing describe (or file): started before
 * them on a free loopback port, warmed up (a fresh emulator takes seconds over its first write),
 * stopped after. Each scenario puts its state in a project of its own (Scenario.start), so the
 * scenarios sharing this emulator share no data.
 */
export function useFirestoreEmulator(): {
  emulator: () => RunningFirestoreEmulator;
  state: () => ScenarioState;
} {
  let emulator: RunningFirestoreEmulator | undefined;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    const warm = firestoreEmulatorClient(emulator.host, 'warm-up');
    await warm.collection('warm-up').doc('x').set({ at: 1 });
    await warm.terminate();
  }, 120_000);
  afterAll(async () => {
    await emulator?.stop();
  });
  const running = () => {
    if (!emulator) throw new Error('the Firestore emulator is not running (used outside its describe?)');
    return emulator;
  };
  return { emulator: running, state: () => ({ backend: 'firestore', emulatorHost: running().host }) };
}
