import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreeLoopbackPort } from '../../src/pubsub/loopback-port.js';

/**
 * The real Cloud Firestore emulator (a Java 17 program from the Debian package
 * google-cloud-cli-firestore-emulator) for tests: started on a free loopback port, ready once its
 * log says so and `GET /` answers `Ok`, stopped by process group (it forks a JVM and opens a
 * WebSocket port of its own). FIRESTORE_EMULATOR_HOST, when set, names one already running: it is
 * used as it is and never stopped.
 */
const SDK_ROOTS = ['/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk', '/opt/google-cloud-sdk'];
const RELATIVE = 'platform/cloud-firestore-emulator/cloud_firestore_emulator';

export const FIRESTORE_EMULATOR_INSTALL_HINT = [
  'The Firestore emulator is not installed. Get it one of these ways:',
  "  - apt-get install google-cloud-cli-firestore-emulator (from Google Cloud's apt repository; needs Java 17+)",
  '  - gcloud components install cloud-firestore-emulator',
  '  - docker compose up firestore, then set FIRESTORE_EMULATOR_HOST=localhost:8086',
  'or set FIRESTORE_EMULATOR_BIN to the path of cloud_firestore_emulator.',
].join('\n');

export function firestoreEmulatorBinary(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.FIRESTORE_EMULATOR_BIN
    ? [env.FIRESTORE_EMULATOR_BIN]
    : [env.CLOUDSDK_ROOT_DIR, env.HOME && join(env.HOME, 'google-cloud-sdk'), ...SDK_ROOTS]
        .filter((root): root is string => Boolean(root))
        .map((root) => join(root, RELATIVE));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`${FIRESTORE_EMULATOR_INSTALL_HINT}\nLooked in: ${candidates.join(', ')}`);
  return found;
}

export interface RunningFirestoreEmulator {
  /** `127.0.0.1:PORT`, the value for FIRESTORE_EMULATOR_HOST. */
  readonly host: string;
  /** undefined when FIRESTORE_EMULATOR_HOST named an emulator started elsewhere. */
  readonly pid: number | undefined;
  readonly logFile: string | undefined;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startFirestoreEmulator(
  options: { startTimeoutMs?: number; attempts?: number } = {},
): Promise<RunningFirestoreEmulator> {
  const preset = process.env.FIRESTORE_EMULATOR_HOST;
  if (preset) return { host: preset, pid: undefined, logFile: undefined, stop: async () => undefined };
  const binary = firestoreEmulatorBinary();
  const logDir = join(tmpdir(), 'finding-relay-firestore-emulator');
  mkdirSync(logDir, { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.attempts ?? 3); attempt++) {
    const port = await findFreeLoopbackPort(HOST);
    try {
      return await startOnPort(binary, port, logDir, options.startTimeoutMs ?? 60_000);
    } catch (error) {
      lastError = error; // most likely the port was taken meanwhile: another one
    }
  }
  throw lastError;
}

async function startOnPort(binary: string, port: number, logDir: string, timeoutMs: number) {
  const logFile = join(logDir, `firestore-emulator-${port}-${process.pid}.log`);
  const fd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['start', `--host=${HOST}`, `--port=${port}`], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  if (child.pid === undefined) throw await spawnError;
  const pid = child.pid;
  const killOnExit = () => signalGroup(pid, 'SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(pid, 'SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) {
      signalGroup(pid, 'SIGKILL');
      await exited;
    }
  };
  const host = `${HOST}:${port}`;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const log = readLog(logFile);
    if (child.exitCode !== null || child.signalCode !== null || log.includes('BindException')) {
      await stop();
      throw new Error(`the Firestore emulator did not start on ${host} (log ${logFile}):\n${tail(log)}`);
    }
    if (log.includes('Dev App Server is now running') && (await answersOk(host))) {
      child.unref();
      return { host, pid, logFile, stop };
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`the Firestore emulator did not answer on ${host} within ${timeoutMs} ms (log ${logFile})`);
}

async function answersOk(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200 && (await response.text()).trim() === 'Ok';
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const readLog = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const tail = (text: string) => text.trimEnd().split('\n').slice(-20).join('\n');

/**
 * A TCP relay in front of the emulator that can play an outage: while `down`, nothing passes
 * (connections are held open, unanswered, so calls hang as against a store that is gone); coming
 * back up drops the held connections, so the client reconnects through the relay afresh.
 */
export interface OutageProxy {
  readonly host: string;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startOutageProxy(target: string): Promise<OutageProxy> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    if (down) return; // held, unanswered
    const upstream = new Socket();
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.connect(Number(targetPort), targetHost, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the outage proxy has no port');
  return {
    host: `${HOST}:${address.port}`,
    setDown: (on) => {
      if (on === down) return;
      down = on;
      if (on) {
        // Whatever is connected now stops passing bytes, in both directions.
        for (const s of sockets) {
          s.unpipe();
          s.pause();
        }
      } else {
        for (const s of sockets) s.destroy();
      }
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
