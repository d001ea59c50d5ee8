import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RunningEmulator,
  resolveEmulatorBinary,
  startEmulatorProcess,
} from '../../src/pubsub/emulator-process.js';

export { EmulatorNotFoundError } from '../../src/pubsub/emulator-process.js';

/** The emulator binary for this machine: PUBSUB_EMULATOR_BIN, or the Cloud SDK's; throws with install hints. */
export function emulatorBinary(): string {
  return resolveEmulatorBinary(process.env);
}

export interface StartPubSubEmulatorOptions {
  readonly port?: number;
  readonly startTimeoutMs?: number;
  readonly logDir?: string;
  readonly pickPort?: () => Promise<number>;
}

/**
 * Starts the real emulator on a free 127.0.0.1 port, its log under
 * os.tmpdir()/finding-relay-pubsub-emulator. If this process exits without calling stop(), the
 * emulator's process group is killed so no JVM is left behind.
 */
export async function startPubSubEmulator(
  options: StartPubSubEmulatorOptions = {},
): Promise<RunningEmulator> {
  const logDir = options.logDir ?? join(tmpdir(), 'finding-relay-pubsub-emulator');
  mkdirSync(logDir, { recursive: true });
  const emulator = await startEmulatorProcess({
    binary: emulatorBinary(),
    env: process.env,
    logDir,
    port: options.port,
    startTimeoutMs: options.startTimeoutMs,
    pickPort: options.pickPort,
  });
  const killOnExit = () => {
    try {
      process.kill(-emulator.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  return {
    ...emulator,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await emulator.stop();
    },
  };
}
