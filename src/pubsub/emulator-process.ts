import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreeLoopbackPort } from './loopback-port.js';

/**
 * Starts and stops the Google Pub/Sub emulator (a Java program) as a child process. Used by the
 * tests' global setup and by `npm run dev`. Everything it needs (binary, environment, log
 * directory) is passed in: this module reads no globals.
 */

const EMULATOR_RELATIVE_PATH = 'platform/pubsub-emulator/bin/cloud-pubsub-emulator';
const SDK_ROOTS = ['/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk', '/opt/google-cloud-sdk'];

export const EMULATOR_INSTALL_HINT = [
  'The Pub/Sub emulator is not installed. Get it one of these ways:',
  "  - apt-get install google-cloud-cli-pubsub-emulator (from Google Cloud's apt repository; needs Java 17+)",
  '  - gcloud components install pubsub-emulator',
  '  - docker compose up pubsub, then set PUBSUB_EMULATOR_HOST=localhost:8085',
  'or set PUBSUB_EMULATOR_BIN to the path of cloud-pubsub-emulator.',
].join('\n');

export class EmulatorNotFoundError extends Error {
  override name = 'EmulatorNotFoundError';
  constructor(readonly tried: readonly string[]) {
    super(`${EMULATOR_INSTALL_HINT}\nLooked in: ${tried.join(', ')}`);
  }
}

/** Where the emulator may live: PUBSUB_EMULATOR_BIN, then CLOUDSDK_ROOT_DIR, ~/google-cloud-sdk, system SDKs. */
export function emulatorBinaryCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  if (env.PUBSUB_EMULATOR_BIN) return [env.PUBSUB_EMULATOR_BIN];
  const roots = [env.CLOUDSDK_ROOT_DIR, env.HOME && join(env.HOME, 'google-cloud-sdk'), ...SDK_ROOTS];
  return roots
    .filter((root): root is string => Boolean(root))
    .map((root) => join(root, EMULATOR_RELATIVE_PATH));
}

/** The first candidate that exists; throws EmulatorNotFoundError (with install instructions) otherwise. */
export function resolveEmulatorBinary(
  env: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean = existsSync,
): string {
  const candidates = emulatorBinaryCandidates(env);
  const found = candidates.find(exists);
  if (!found) throw new EmulatorNotFoundError(candidates);
  return found;
}

export interface EmulatorProcessOptions {
  /** Path of `cloud-pubsub-emulator`. */
  readonly binary: string;
  /** Environment of the child (it needs `java` on PATH or JAVA_HOME). */
  readonly env: NodeJS.ProcessEnv;
  /** Directory for the emulator's log file (kept after stop, for diagnosis). */
  readonly logDir: string;
  /** A fixed port; by default a free one is picked, and another one tried if binding fails. */
  readonly port?: number;
  /** How long one start attempt may take. Default 60 s (the JVM starts in ~2–8 s on a busy machine). */
  readonly startTimeoutMs?: number;
  /** Start attempts with fresh ports when binding fails. Default 3. */
  readonly attempts?: number;
  /** Chooses the port of each attempt. Default: a free loopback port from the OS. */
  readonly pickPort?: () => Promise<number>;
}

export interface RunningEmulator {
  /** `127.0.0.1:PORT`, the value for PUBSUB_EMULATOR_HOST. */
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM to the process group, SIGKILL after a bound; resolves when the process has exited. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;

class PortTakenError extends Error {}

export async function startEmulatorProcess(options: EmulatorProcessOptions): Promise<RunningEmulator> {
  const attempts = options.port === undefined ? (options.attempts ?? 3) : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await (options.pickPort ?? (() => findFreeLoopbackPort(HOST)))());
    try {
      return await startOnPort(options, port);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

async function startOnPort(options: EmulatorProcessOptions, port: number): Promise<RunningEmulator> {
  const logFile = join(options.logDir, `pubsub-emulator-${port}-${process.pid}.log`);
  const logFd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    // detached: its own process group, so stop() reaches the JVM and anything it forks.
    child = spawn(options.binary, [`--host=${HOST}`, `--port=${port}`], {
      env: options.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  const running: RunningEmulator = {
    host: `${HOST}:${port}`,
    port,
    pid: pid ?? -1,
    logFile,
    stop: () => stopGroup(child, exited),
  };
  if (pid === undefined) throw await spawnFailed;
  try {
    await waitUntilServing(running, child, options.startTimeoutMs ?? 60_000);
    child.unref();
    return running;
  } catch (error) {
    await running.stop();
    throw error;
  }
}

/** Ready = the log says it listens on our port (not someone else's server) and GET / answers 200 "Ok". */
async function waitUntilServing(
  emulator: RunningEmulator,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const log = readLog(emulator.logFile);
    // On a taken port the JVM logs a BindException and keeps running: detect it from the log.
    if (log.includes('java.net.BindException')) throw new PortTakenError(`port ${emulator.port} is taken`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the Pub/Sub emulator exited during start (log ${emulator.logFile}):\n${tail(log)}`);
    }
    if (log.includes(`listening on ${emulator.port}`) && (await answersOk(emulator.host))) return;
    await sleep(POLL_MS);
  }
  throw new Error(
    `the Pub/Sub emulator did not answer on ${emulator.host} within ${timeoutMs} ms (log ${emulator.logFile}):\n${tail(readLog(emulator.logFile))}`,
  );
}

async function answersOk(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) });
    await response.text();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  signalGroup(child.pid, 'SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (!stopped) {
    signalGroup(child.pid, 'SIGKILL');
    await exited;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
