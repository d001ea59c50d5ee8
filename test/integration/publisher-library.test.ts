import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFindingInput } from '../../src/finding/test-findings.js';
import {
  createPublisher,
  defaultFingerprint,
  type FindingInput,
  FindingValidationError,
  MAX_MESSAGE_BYTES,
  validateFinding,
} from '../../src/index.js';
import {
  createTestPubSub,
  emulatorHost,
  receiveMessages,
  TEST_PROJECT_ID,
  uniqueNames,
} from '../support/pubsub-fixtures.js';

let pubsub: PubSub;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
});

async function topicWithSubscription(prefix: string) {
  const names = uniqueNames(prefix);
  const [topic] = await pubsub.createTopic(names.findingsTopic);
  await topic.createSubscription(names.findingsSubscription);
  return names;
}

/** True when nothing more arrives on the subscription for a moment. */
async function isDrained(subscription: string): Promise<boolean> {
  const more = await receiveMessages(pubsub, subscription, { count: 1, timeoutMs: 1_000 }).catch(() => []);
  return more.length === 0;
}

const valid = testFindingInput({
  id: 'lib-1',
  source: { agent: 'dep-scanner', run: 'run-42' },
  severity: 'critical',
  repo: 'acme/web',
});

describe('the publisher library (package entry)', () => {
  it('rejects an invalid finding without sending it, and publishes a valid one with its attributes', async () => {
    const names = await topicWithSubscription('lib');
    const publisher = createPublisher({
      projectId: TEST_PROJECT_ID,
      emulatorHost: emulatorHost(),
      topic: names.findingsTopic,
    });
    try {
      const invalid = {
        ...valid,
        id: 'lib-bad',
        severity: 'urgent',
        url: 'http://insecure',
      } as unknown as FindingInput;
      const rejection = await publisher.publish(invalid).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(rejection).toBeInstanceOf(FindingValidationError);
      expect((rejection as FindingValidationError).detail).toMatch(/severity/);
      expect((rejection as FindingValidationError).detail).toMatch(/url/);

      const messageId = await publisher.publish(valid);
      await publisher.flush();
      const [message] = await receiveMessages(pubsub, names.findingsSubscription, { count: 1 });
      const fingerprint = defaultFingerprint('dep-scanner', 'acme/web', valid.title);
      expect(message?.id).toBe(messageId);
      expect(message?.attributes).toEqual({
        severity: 'critical',
        agent: 'dep-scanner',
        fingerprint,
        schemaVersion: '1',
      });
      expect(JSON.parse(message!.data.toString())).toEqual({ ...valid, fingerprint });
      expect(await isDrained(names.findingsSubscription)).toBe(true);
    } finally {
      await publisher.close();
    }
    await expect(publisher.publish(valid)).rejects.toThrow(/closed/);
  });

  it("uses a caller's client and leaves it open on close", async () => {
    const names = await topicWithSubscription('lib-own');
    const publisher = createPublisher({ pubsub, topic: names.findingsTopic, batching: { maxMessages: 2 } });
    await Promise.all([
      publisher.publish({ ...valid, id: 'own-1' }),
      publisher.publish({ ...valid, id: 'own-2', fingerprint: 'fp' }),
    ]);
    await publisher.close();
    await pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from('still open') });
    const received = await receiveMessages(pubsub, names.findingsSubscription, { count: 3 });
    expect(received.map((m) => m.attributes.fingerprint ?? m.data.toString()).sort()).toEqual(
      [defaultFingerprint('dep-scanner', 'acme/web', valid.title), 'fp', 'still open'].sort(),
    );
  });

  it('exports the schema helpers agents need', () => {
    expect(MAX_MESSAGE_BYTES).toBe(256 * 1024);
    expect(validateFinding(valid)).toMatchObject({ ok: true, finding: { id: 'lib-1' } });
    expect(validateFinding({})).toMatchObject({ ok: false, reason: 'invalid-schema' });
  });
});
