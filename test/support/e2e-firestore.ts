import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { firestoreEmulatorClient, type ScenarioState } from './e2e-scenario.js';
import { type RunningFirestoreEmulator, startFirestoreEmulator } from './firestore-emulator.js';

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

/**
 * A TCP relay in front of the emulator that can play the store stopped: `stop()` closes its
 * listening port (new connections are refused) and drops every open connection, as a server
 * process that went away does; `start()` listens on the same port again. Unlike killing the
 * emulator, what was committed before stays (as with Firestore itself: an outage loses no data).
 */
export interface StoppableRelay {
  /** `127.0.0.1:PORT`: what the workers are given as FIRESTORE_EMULATOR_HOST. */
  readonly host: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startStoppableRelay(target: string): Promise<StoppableRelay> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };
  let server = createRelayServer();
  function createRelayServer(): Server {
    return createServer((client) => {
      track(client);
      const upstream = connect(Number(targetPort), targetHost);
      track(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  let up = true;
  const stop = async () => {
    if (!up) return;
    up = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    host: `127.0.0.1:${port}`,
    stop,
    start: async () => {
      if (up) return;
      server = createRelayServer();
      await listen(port);
      up = true;
    },
    close: stop,
  };
}
