import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/pipeline/types.js';
import { provisionPubSub } from '../../src/pubsub/provision.js';
import { type OpenSubscriber, openSubscriber } from '../../src/pubsub/subscriber.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';

let pubsub: PubSub;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
});

const failOnError = (error: Error) => {
  throw error;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function topicWithSubscription(prefix: string) {
  const names = uniqueNames(prefix);
  const [topic] = await pubsub.createTopic(names.findingsTopic);
  await topic.createSubscription(names.findingsSubscription, { ackDeadlineSeconds: 10 });
  return { names, topic };
}

/** Resolves once `predicate` holds, polling every 10 ms; rejects after timeoutMs. */
async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('openSubscriber', () => {
  it('never has more than maxMessages in hand while working through a backlog, and gets every message', async () => {
    const { names, topic } = await topicWithSubscription('sub-flow');
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) => topic.publishMessage({ data: Buffer.from(String(i)) })),
    );
    const seen = new Set<string>();
    let handed = 0;
    let settled = 0;
    let maxInHand = 0;
    const subscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 100, maxBytes: 10 << 20 },
      (message) => {
        handed++;
        maxInHand = Math.max(maxInHand, handed - settled, subscriber.inHand());
        seen.add(message.data.toString());
        setTimeout(() => {
          message.ack();
          settled++;
        }, 5); // a slow sink
      },
      failOnError,
    );
    try {
      await until(() => seen.size === 2_000, 'all 2,000 messages');
      expect(maxInHand).toBeGreaterThan(1);
      expect(maxInHand).toBeLessThanOrEqual(100);
    } finally {
      await until(() => handed === settled, 'the last acks');
      await subscriber.close();
    }
    expect(subscriber.inHand()).toBe(0);
  });

  it('adapts a message: id, data, attributes, publish time, and deliveryAttempt (0 without a dead-letter policy)', async () => {
    const { names, topic } = await topicWithSubscription('sub-adapt');
    const before = Date.now();
    const id = await topic.publishMessage({ data: Buffer.from('{"a":1}'), attributes: { severity: 'low' } });
    const received: InboundMessage[] = [];
    const subscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20 },
      (m) => {
        received.push(m);
        m.ack();
      },
      failOnError,
    );
    try {
      await until(() => received.length === 1, 'one message');
    } finally {
      await subscriber.close();
    }
    const [message] = received;
    expect(message?.id).toBe(id);
    expect(message?.data.toString()).toBe('{"a":1}');
    expect(message?.attributes).toEqual({ severity: 'low' });
    expect(message?.deliveryAttempt).toBe(0);
    expect(message?.publishTime).toBeInstanceOf(Date);
    expect(message?.publishTime.getTime()).toBeGreaterThanOrEqual(before - 5_000);
  });

  it('counts deliveryAttempt from 1 on a subscription with a dead-letter policy', async () => {
    const names = uniqueNames('sub-attempt');
    await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5, immediateRedelivery: true });
    await pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from('x') });
    const attempts: number[] = [];
    const subscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20 },
      (m) => {
        attempts.push(m.deliveryAttempt);
        if (attempts.length < 2) m.nack();
        else m.ack();
      },
      failOnError,
    );
    try {
      await until(() => attempts.length === 2, 'a redelivery');
    } finally {
      await subscriber.close();
    }
    expect(attempts).toEqual([1, 2]);
  });

  it('settles a message once: a second ack or nack changes nothing', async () => {
    const { names, topic } = await topicWithSubscription('sub-once');
    await topic.publishMessage({ data: Buffer.from('once') });
    const received: InboundMessage[] = [];
    const subscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20 },
      (m) => received.push(m),
      failOnError,
    );
    try {
      await until(() => received.length === 1, 'one message');
      expect(subscriber.inHand()).toBe(1);
      received[0]?.ack();
      received[0]?.nack();
      received[0]?.ack();
      expect(subscriber.inHand()).toBe(0);
    } finally {
      await subscriber.close();
    }
    // Acked, not nacked: a marker published now is the only thing left on the subscription.
    await topic.publishMessage({ data: Buffer.from('marker') });
    const rest = await receiveMessages(pubsub, names.findingsSubscription, { count: 1 });
    expect(rest.map((m) => m.data.toString())).toEqual(['marker']);
  });

  it('close() stops pulling, waits for messages in hand to be settled, and flushes their acks', async () => {
    const { names, topic } = await topicWithSubscription('sub-close');
    await Promise.all([1, 2, 3].map((i) => topic.publishMessage({ data: Buffer.from(`m${i}`) })));
    const held: InboundMessage[] = [];
    const subscriber: OpenSubscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20 },
      (m) => held.push(m),
      failOnError,
    );
    await until(() => held.length === 3, 'three messages');
    let closed = false;
    const closing = subscriber.close().then(() => {
      closed = true;
    });
    expect(subscriber.isOpen).toBe(false);
    await sleep(100);
    expect(closed).toBe(false); // still waiting for the messages in hand
    for (const m of held) m.ack();
    await closing;
    expect(subscriber.inHand()).toBe(0);

    await topic.publishMessage({ data: Buffer.from('marker') });
    const rest = await receiveMessages(pubsub, names.findingsSubscription, { count: 1 });
    expect(rest.map((m) => m.data.toString())).toEqual(['marker']);
  });

  it('close() gives up waiting after closeTimeoutMs and nacks what is still in hand, so it comes back', async () => {
    const { names, topic } = await topicWithSubscription('sub-close-bound');
    await topic.publishMessage({ data: Buffer.from('stuck') });
    const held: InboundMessage[] = [];
    const subscriber = openSubscriber(
      pubsub,
      names.findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20, closeTimeoutMs: 1_500 },
      (m) => held.push(m),
      failOnError,
    );
    await until(() => held.length === 1, 'one message');
    await subscriber.close(); // the message is never settled by the handler
    const again = await receiveMessages(pubsub, names.findingsSubscription, { count: 1, timeoutMs: 5_000 });
    expect(again[0]?.data.toString()).toBe('stuck');
  });

  it('reports a stream error for a subscription that does not exist', async () => {
    const errors: Error[] = [];
    const subscriber = openSubscriber(
      pubsub,
      uniqueNames('sub-missing').findingsSubscription,
      { maxMessages: 10, maxBytes: 1 << 20 },
      () => {},
      (error) => errors.push(error),
    );
    try {
      await until(() => errors.length > 0, 'an error');
    } finally {
      await subscriber.close();
    }
    expect((errors[0] as Error & { code?: number }).code).toBe(5); // NOT_FOUND
    expect(errors[0]?.message).toMatch(/does not exist/);
  });
});
