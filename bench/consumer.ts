import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConsumerMessage, ConsumerResult, ConsumerStart } from './consumer-protocol.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./consumer-child.ts', import.meta.url));

export interface ConsumerRunOptions {
  /** The child's stdout and stderr (the relay's log lines) go here. */
  readonly logFile: string;
  /** When set, the child runs with `--cpu-prof` and writes its profile into this directory. */
  readonly profileDir?: string;
  /** The child is killed (by PID) and the run fails after this long. */
  readonly timeoutMs: number;
}

export interface RunningConsumer {
  readonly pid: number;
  /** Resolves once the consumer is subscribed. */
  readonly ready: Promise<void>;
  readonly result: Promise<ConsumerResult>;
}

/** Starts a consumer child (see consumer-child.ts) and hands it its job. */
export function startConsumer(
  start: Omit<ConsumerStart, 'type'>,
  options: ConsumerRunOptions,
): RunningConsumer {
  const log = openSync(options.logFile, 'a');
  const execArgv = ['--import', 'tsx'];
  if (options.profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  const child = fork(childScript, [], {
    cwd: root,
    execArgv,
    // Only what the child needs: the relay's own configuration travels in the start message.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, METADATA_SERVER_DETECTION: 'none' },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const pid = child.pid ?? -1;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const result = new Promise<ConsumerResult>((resolve, reject) => {
    let got: ConsumerResult | undefined;
    const timer = setTimeout(() => {
      reject(new Error(`${start.kind} consumer (pid ${pid}) did not finish within ${options.timeoutMs} ms`));
      if (child.exitCode === null) process.kill(pid, 'SIGKILL');
    }, options.timeoutMs);
    child.on('message', (message: ConsumerMessage) => {
      if (message.type === 'ready') onReady();
      else got = message;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (got) resolve(got);
      else
        reject(
          new Error(
            `${start.kind} consumer exited (${code ?? signal}) without a result; see ${options.logFile}`,
          ),
        );
    });
  });
  // A child that died before subscribing must not leave the caller waiting for `ready`.
  result.catch(() => onReady());
  child.send({ type: 'start', ...start } satisfies ConsumerStart);
  return { pid, ready, result };
}
