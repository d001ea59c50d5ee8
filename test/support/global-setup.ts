import type { TestProject } from 'vitest/node';
import { startPubSubEmulator } from './pubsub-emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the Pub/Sub emulator every test shares. */
    pubsubEmulatorHost: string;
  }
}

/**
 * Starts one Pub/Sub emulator for the whole run, unless PUBSUB_EMULATOR_HOST already names one
 * (e.g. `docker compose up pubsub`). The host is provided to tests (`inject('pubsubEmulatorHost')`)
 * and exported as PUBSUB_EMULATOR_HOST so processes the tests spawn find it too.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const preset = process.env.PUBSUB_EMULATOR_HOST;
  if (preset) {
    project.provide('pubsubEmulatorHost', preset);
    return undefined;
  }
  const started = performance.now();
  const emulator = await startPubSubEmulator();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.info(
    `[global-setup] Pub/Sub emulator on ${emulator.host} (pid ${emulator.pid}, ${seconds} s, log ${emulator.logFile})`,
  );
  process.env.PUBSUB_EMULATOR_HOST = emulator.host;
  project.provide('pubsubEmulatorHost', emulator.host);
  return async () => {
    delete process.env.PUBSUB_EMULATOR_HOST;
    await emulator.stop();
  };
}
