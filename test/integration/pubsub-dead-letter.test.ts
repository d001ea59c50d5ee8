import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/pipeline/types.js';
import { publishDeadLetter } from '../../src/pubsub/dead-letter.js';
import { provisionPubSub } from '../../src/pubsub/provision.js';
import { openSubscriber } from '../../src/pubsub/subscriber.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';

let pubsub: PubSub;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
});

// Any retry policy costs ~2 s per redelivery on the emulator; without one it redelivers at once.
const fastRetry = { immediateRedelivery: true };

describe('the dead-letter policy', () => {
  it('moves a message nacked maxDeliveryAttempts times to the inspect subscription', async () => {
    const names = uniqueNames('dlp');
    await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5, ...fastRetry });
    const attempts: number[] = [];
    const subscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20 },
      (message) => {
        attempts.push(message.deliveryAttempt);
        message.nack();
      },
      (error) => {
        throw error;
      },
    );
    try {
      await pubsub
        .topic(names.findingsTopic)
        .publishMessage({ data: Buffer.from('{"x":1}'), attributes: { a: 'b' } });
      const [dead] = await receiveMessages(pubsub, names.deadLetterSubscription, { count: 1 });
      expect(dead?.data.toString()).toBe('{"x":1}');
      expect(dead?.attributes.a).toBe('b');
      expect(dead?.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe('5');
      expect(dead?.attributes.CloudPubSubDeadLetterSourceSubscription).toBe(names.findingsSubscription);
      expect(attempts).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await subscriber.close();
    }
  });
});

describe('publishDeadLetter', () => {
  it('republishes the original data and attributes with the reason, a one-line bounded detail and the original id', async () => {
    const names = uniqueNames('dl-publish');
    await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 });
    const original: InboundMessage = {
      id: 'original-42',
      data: Buffer.from([0xff, 0x00, 0x7b]), // not even UTF-8: kept byte for byte
      attributes: { severity: 'high', agent: 'scanner' },
      deliveryAttempt: 1,
      publishTime: new Date(0),
      ack: () => {},
      nack: () => {},
    };
    const detail = `title: must be 1–256 characters\n${'é'.repeat(800)}`;
    const id = await publishDeadLetter(
      pubsub.topic(names.deadLetterTopic),
      original,
      'invalid-schema',
      detail,
    );
    expect(id).toMatch(/\S/);

    const [dead] = await receiveMessages(pubsub, names.deadLetterSubscription, { count: 1 });
    expect(dead?.id).toBe(id);
    expect(dead?.data.equals(original.data)).toBe(true);
    expect(dead?.attributes).toMatchObject({
      severity: 'high',
      agent: 'scanner',
      finding_relay_reason: 'invalid-schema',
      finding_relay_original_message_id: 'original-42',
    });
    const sent = dead?.attributes.finding_relay_detail ?? '';
    expect(sent.startsWith('title: must be 1–256 characters é')).toBe(true);
    expect(sent).not.toContain('\n');
    expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(1_000);
    expect(sent.endsWith('…')).toBe(true);
  });

  it('rejects when the topic does not exist, so the caller can nack', async () => {
    const message: InboundMessage = {
      id: '1',
      data: Buffer.from('x'),
      attributes: {},
      deliveryAttempt: 0,
      publishTime: new Date(0),
      ack: () => {},
      nack: () => {},
    };
    await expect(
      publishDeadLetter(pubsub.topic(uniqueNames('missing').deadLetterTopic), message, 'too-large', 'x'),
    ).rejects.toThrow(/NOT_FOUND|not found/i);
  });
});
