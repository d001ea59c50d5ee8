import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote, for assertions and diagnosis. */
  readonly output: () => string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Sends a signal by PID. */
  kill(signal: NodeJS.Signals): void;
}

/**
 * `finding-relay worker` as ONE separate process: node with tsx's loader, not the tsx CLI (which
 * runs the program in a child; a SIGTERM test once saw it exit 143), with exactly the given environment.
 */
export function spawnWorker(env: Record<string, string | undefined>, command = 'worker'): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}src/main.ts`, command], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    kill: (signal) => {
      if (child.pid && child.exitCode === null) process.kill(child.pid, signal);
    },
  };
}

/** Polls until `check` returns true; rejects with `what` after the timeout. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
