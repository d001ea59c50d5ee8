import { Readable } from 'node:stream';
import type { CommandIO } from './io.js';

/** A CommandIO that collects what a command prints, for tests of commands. */
export function testIO(
  env: Record<string, string | undefined>,
  opts: { cwd?: string; stdin?: string; stderrIsTTY?: boolean } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    env,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stderrIsTTY: opts.stderrIsTTY === true,
    stdin: Readable.from([opts.stdin ?? '']),
    cwd: opts.cwd ?? '/tmp',
    signal: new AbortController().signal,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
