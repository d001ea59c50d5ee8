import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll } from 'vitest';
import { openFirestoreRelayState } from '../../src/state/firestore-relay-state.js';
import { type RunningFirestoreEmulator, startFirestoreEmulator } from '../support/firestore-emulator.js';
import { describeStateProcesses } from '../support/state-processes.js';

/**
 * The multi-process tests of state-sqlite-processes on the real Firestore emulator: the child
 * processes open `firestore://PROJECT/(default)` with FIRESTORE_EMULATOR_HOST, as workers do;
 * every test gets a project of its own (the emulator keeps projects apart).
 */
let emulator: RunningFirestoreEmulator;
beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  // A fresh emulator answers its first write in seconds: not inside a test.
  const warm = client('warm-up');
  await warm.collection('warm-up').doc('x').set({ at: 1 });
  await warm.terminate();
}, 120_000);
afterAll(async () => {
  await emulator?.stop();
});

function client(projectId: string) {
  return new Firestore({
    projectId,
    host: emulator.host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
    // Told its universe, the client asks no metadata server for it (and warns of nothing).
    universeDomain: 'googleapis.com',
    ignoreUndefinedProperties: true,
  });
}

let projects = 0;
describeStateProcesses(
  {
    name: 'firestore',
    fresh: async () => {
      const project = `relay-procs-${process.pid}-${++projects}`;
      return {
        uri: `firestore://${project}/(default)`,
        env: { FIRESTORE_EMULATOR_HOST: emulator.host },
        open: async () => {
          const firestore = client(project);
          const state = openFirestoreRelayState({ firestore });
          return {
            ...state,
            close: async () => {
              await state.close();
              await firestore.terminate();
            },
          };
        },
      };
    },
  },
  // An emulator round trip is 10–100× a sqlite one, more on a loaded machine: a renewal every
  // 750 ms (not 250) keeps a live holder's lease safe from a slow call.
  { timeoutMs: 120_000, leaseTtlMs: 3_000 },
);
