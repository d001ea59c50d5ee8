import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionPubSub } from '../../src/pubsub/provision.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';

let pubsub: PubSub;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
});

const all = (n: ReturnType<typeof uniqueNames>) => [
  `topics/${n.findingsTopic}`,
  `topics/${n.deadLetterTopic}`,
  `subscriptions/${n.findingsSubscription}`,
  `subscriptions/${n.deadLetterSubscription}`,
];

describe('provisionPubSub', () => {
  it('creates everything once and reports it as existing on the next run', async () => {
    const names = uniqueNames('prov');
    const first = await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 });
    expect(first.created.sort()).toEqual(all(names).sort());
    expect(first.existing).toEqual([]);

    const second = await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 });
    expect(second).toEqual({ created: [], existing: all(names), updated: [] });
  });

  it('gives the worker subscription a dead-letter policy, retry policy and ack deadline, and the inspect subscription long retention', async () => {
    const names = uniqueNames('prov-meta');
    await provisionPubSub(pubsub, names, {
      maxDeliveryAttempts: 7,
      minimumBackoffS: 1,
      maximumBackoffS: 2.5,
    });

    const [worker] = await pubsub.subscription(names.findingsSubscription).getMetadata();
    expect(worker.topic).toBe(`projects/${pubsub.projectId}/topics/${names.findingsTopic}`);
    expect(worker.deadLetterPolicy?.deadLetterTopic).toBe(
      `projects/${pubsub.projectId}/topics/${names.deadLetterTopic}`,
    );
    expect(worker.deadLetterPolicy?.maxDeliveryAttempts).toBe(7);
    expect(Number(worker.retryPolicy?.minimumBackoff?.seconds)).toBe(1);
    expect(Number(worker.retryPolicy?.maximumBackoff?.seconds)).toBe(2);
    expect(worker.retryPolicy?.maximumBackoff?.nanos).toBe(500_000_000);
    expect(worker.ackDeadlineSeconds).toBe(60);

    const [inspect] = await pubsub.subscription(names.deadLetterSubscription).getMetadata();
    expect(inspect.topic).toBe(`projects/${pubsub.projectId}/topics/${names.deadLetterTopic}`);
    expect(Number(inspect.messageRetentionDuration?.seconds)).toBe(7 * 24 * 3600);
    expect(inspect.deadLetterPolicy ?? null).toBeNull();
  });

  it('updates an existing worker subscription whose dead-letter policy differs', async () => {
    const names = uniqueNames('prov-drift');
    await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 });
    const again = await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 9 });
    expect(again.updated).toEqual([`subscriptions/${names.findingsSubscription}`]);
    expect(again.existing).not.toContain(`subscriptions/${names.findingsSubscription}`);
    const [worker] = await pubsub.subscription(names.findingsSubscription).getMetadata();
    expect(worker.deadLetterPolicy?.maxDeliveryAttempts).toBe(9);
  });

  it('can leave out the retry policy for tests, and puts it back when asked', async () => {
    const names = uniqueNames('prov-retry');
    await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5, immediateRedelivery: true });
    const [bare] = await pubsub.subscription(names.findingsSubscription).getMetadata();
    expect(bare.retryPolicy ?? null).toBeNull();
    expect(bare.deadLetterPolicy?.maxDeliveryAttempts).toBe(5);

    const again = await provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 });
    expect(again.updated).toEqual([`subscriptions/${names.findingsSubscription}`]);
    const [worker] = await pubsub.subscription(names.findingsSubscription).getMetadata();
    expect(Number(worker.retryPolicy?.minimumBackoff?.seconds)).toBe(10);
    expect(Number(worker.retryPolicy?.maximumBackoff?.seconds)).toBe(600);
  });

  it('tolerates two runs at once: both succeed and each accounts for every resource once', async () => {
    // Real Pub/Sub answers ALREADY_EXISTS to the loser of a create race; the emulator sometimes
    // lets both creates succeed, so only what holds on both is asserted.
    const names = uniqueNames('prov-race');
    const runs = await Promise.all([
      provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 }),
      provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 }),
    ]);
    for (const run of runs) {
      expect([...run.created, ...run.existing, ...run.updated].sort()).toEqual(all(names).sort());
    }
    const [worker] = await pubsub.subscription(names.findingsSubscription).getMetadata();
    expect(worker.deadLetterPolicy?.maxDeliveryAttempts).toBe(5);
  });

  it('refuses a worker subscription attached to another topic', async () => {
    const names = uniqueNames('prov-other');
    const [other] = await pubsub.createTopic(`${names.findingsTopic}-other`);
    await other.createSubscription(names.findingsSubscription);
    await expect(provisionPubSub(pubsub, names, { maxDeliveryAttempts: 5 })).rejects.toThrow(
      /attached to .*-other/,
    );
  });
});
