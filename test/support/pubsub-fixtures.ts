import { randomUUID } from 'node:crypto';
import type { Message, PubSub } from '@google-cloud/pubsub';
import { inject } from 'vitest';
import { createPubSubClient } from '../../src/pubsub/client.js';
import type { PubSubNames } from '../../src/pubsub/provision.js';

export const TEST_PROJECT_ID = 'finding-relay-test';

/** Topic and subscription names no other test (or earlier run on the same emulator) uses. */
export function uniqueNames(prefix: string): PubSubNames & { readonly suffix: string } {
  const suffix = randomUUID().slice(0, 8);
  const base = `${prefix}-${suffix}`;
  return {
    suffix,
    findingsTopic: `${base}-findings`,
    findingsSubscription: `${base}-relay`,
    deadLetterTopic: `${base}-dead-letter`,
    deadLetterSubscription: `${base}-dead-letter-inspect`,
  };
}

/** The emulator the global setup started (or PUBSUB_EMULATOR_HOST named). */
export function emulatorHost(): string {
  return inject('pubsubEmulatorHost');
}

/** A client for the shared emulator; close it in afterAll/afterEach. */
export function createTestPubSub(): PubSub {
  return createPubSubClient({ projectId: TEST_PROJECT_ID, emulatorHost: emulatorHost() });
}

export interface ReceiveOptions {
  /** Stop once this many messages arrived. */
  readonly count: number;
  /** Give up (and reject) after this long. Default 20 s. */
  readonly timeoutMs?: number;
}

/** Pulls and acks messages from a subscription until `count` arrived; rejects on timeout. */
export async function receiveMessages(pubsub: PubSub, subscriptionName: string, options: ReceiveOptions) {
  const subscription = pubsub.subscription(subscriptionName, { batching: { maxMilliseconds: 10 } });
  const received: Message[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${subscriptionName}: ${received.length} of ${options.count} messages arrived`)),
        options.timeoutMs ?? 20_000,
      );
      subscription.on('error', reject);
      subscription.on('message', (message: Message) => {
        message.ack();
        received.push(message);
        if (received.length >= options.count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    await subscription.close();
  }
  return received;
}
