import type { PubSub } from '@google-cloud/pubsub';
import { formatConfigIssues, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createPubSubClient } from '../pubsub/client.js';
import type { CommandIO } from './io.js';

/**
 * Loads the configuration for a command that talks to Pub/Sub; only Pub/Sub's own variables
 * (and DEPLOYMENT_ENV) must be valid, so a bad Slack flag does not stop `setup` or `publish`.
 */
export async function withPubSub(
  io: CommandIO,
  run: (config: Config, pubsub: PubSub) => Promise<number>,
): Promise<number> {
  const result = loadConfig(io.env, { cwd: io.cwd });
  const blocking = result.issues.filter((i) => i.concern === 'pubsub' || i.concern === 'environment');
  if (blocking.length > 0) {
    io.stderr(`${formatConfigIssues(blocking)}\n`);
    return 78;
  }
  const { config } = result;
  const pubsub = createPubSubClient({
    projectId: config.pubsub.projectId,
    emulatorHost: config.pubsub.emulatorHost,
  });
  try {
    return await run(config, pubsub);
  } finally {
    await pubsub.close();
  }
}
