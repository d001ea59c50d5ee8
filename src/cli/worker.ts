import { composeWorker } from '../app/compose.js';
import { formatConfigIssues, loadConfig } from '../config/load.js';
import { parseCommandArgs } from './args.js';
import type { CommandIO } from './io.js';

/**
 * Runs the relay until SIGTERM/SIGINT, then stops pulling, flushes batches, settles every message
 * in hand and exits 0. A configuration error stops it before it touches anything (exit 78).
 */
export async function runWorker(args: readonly string[], io: CommandIO): Promise<number> {
  parseCommandArgs(args, {});
  const result = loadConfig(io.env, { cwd: io.cwd });
  if (result.issues.length > 0) {
    io.stderr(
      `${formatConfigIssues(result.issues)}\nThe worker does not start with an invalid configuration; run \`finding-relay check\` for details.\n`,
    );
    return 78;
  }
  const worker = await composeWorker(result, { env: io.env });
  const stopped = new Promise<'signal'>((resolve) => {
    if (io.signal.aborted) resolve('signal');
    io.signal.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const outcome = await Promise.race([
    stopped,
    worker.failed.then(
      () => 'failed' as const,
      () => 'failed' as const,
    ),
  ]);
  await worker.stop();
  return outcome === 'signal' ? 0 : 1;
}
