import type { PubSub } from '@google-cloud/pubsub';
import type { Config } from '../config/types.js';
import { type ProvisionResult, provisionPubSub } from '../pubsub/provision.js';
import type { CommandIO } from './io.js';

export interface SetupDeps {
  readonly config: Config;
  readonly pubsub: PubSub;
  readonly io: CommandIO;
}

export async function runSetup(deps: SetupDeps): Promise<number> {
  const { config, pubsub, io } = deps;
  const target = config.pubsub.emulatorHost ? `emulator ${config.pubsub.emulatorHost}` : 'Google Cloud';
  io.stdout(`Pub/Sub project ${pubsub.projectId} (${target})\n`);
  let result: ProvisionResult;
  try {
    result = await provisionPubSub(
      pubsub,
      {
        findingsTopic: config.pubsub.findingsTopic,
        findingsSubscription: config.pubsub.findingsSubscription,
        deadLetterTopic: config.pubsub.deadLetterTopic,
        deadLetterSubscription: config.pubsub.deadLetterSubscription,
      },
      { maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts },
    );
  } catch (error) {
    io.stderr(`setup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  for (const name of result.created) io.stdout(`  created  ${name}\n`);
  for (const name of result.updated) {
    io.stdout(`  updated  ${name} (dead-letter after ${config.pubsub.maxDeliveryAttempts} attempts)\n`);
  }
  for (const name of result.existing) io.stdout(`  exists   ${name}\n`);
  if (!config.pubsub.emulatorHost) {
    io.stdout(
      'Dead-lettering on Google Cloud also needs the Pub/Sub service agent to hold roles/pubsub.publisher\n' +
        'on the dead-letter topic and roles/pubsub.subscriber on the worker subscription (infra/terraform grants both).\n',
    );
  }
  return 0;
}
