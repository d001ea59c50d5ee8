import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPubSubClient } from '../../src/pubsub/client.js';
import { emulatorHost, uniqueNames } from '../support/pubsub-fixtures.js';

describe('createPubSubClient with an emulator host', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  let savedDetection: string | undefined;
  beforeEach(() => {
    // The client library honours this variable; make sure the test does not pass only because of it.
    savedDetection = process.env.METADATA_SERVER_DETECTION;
    delete process.env.METADATA_SERVER_DETECTION;
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
    if (savedDetection !== undefined) process.env.METADATA_SERVER_DETECTION = savedDetection;
  });

  it('talks to the emulator under the given project without probing the GCE metadata server', async () => {
    const pubsub = createPubSubClient({
      projectId: 'finding-relay-client-test',
      emulatorHost: emulatorHost(),
    });
    try {
      expect(pubsub.isEmulator).toBe(true);
      const name = uniqueNames('client').findingsTopic;
      const [topic] = await pubsub.createTopic(name);
      expect(topic.name).toBe(`projects/finding-relay-client-test/topics/${name}`);
      const [subscription] = await topic.createSubscription(`${name}-sub`);
      await subscription.getMetadata();
    } finally {
      await pubsub.close();
    }
    // A metadata probe would have warned (MetadataLookupWarning) before the first RPC answered.
    expect(warnings.map((w) => w.name)).not.toContain('MetadataLookupWarning');
  });

  it('uses a local default project when none is configured', async () => {
    const pubsub = createPubSubClient({ emulatorHost: emulatorHost() });
    try {
      const [topic] = await pubsub.createTopic(uniqueNames('client-default').findingsTopic);
      expect(topic.name).toMatch(/^projects\/finding-relay-local\/topics\//);
    } finally {
      await pubsub.close();
    }
  });
});
