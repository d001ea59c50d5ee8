import type { PubSub } from '@google-cloud/pubsub';
import { describe, expect, it } from 'vitest';
import {
  createPublisher,
  DEFAULT_FINDINGS_TOPIC,
  defaultFingerprint,
  type FindingInput,
  FindingValidationError,
} from '../src/index.js';

const valid: FindingInput = {
  schemaVersion: 1,
  id: 'pkg-1',
  source: { agent: 'dep-scanner' },
  severity: 'medium',
  title: 'lodash 4.17.20 is vulnerable',
  repo: 'acme/web',
  occurredAt: '2026-11-26T10:00:00Z',
};

/** A stand-in for the Pub/Sub client: records what each topic is asked to do. */
function fakePubSub() {
  const calls: string[] = [];
  const sent: { topic: string; data: Buffer; attributes: Record<string, string> }[] = [];
  const topics: { name: string; options: unknown }[] = [];
  const client = {
    topic(name: string, options?: unknown) {
      topics.push({ name, options });
      return {
        async publishMessage(message: { data: Buffer; attributes: Record<string, string> }) {
          sent.push({ topic: name, ...message });
          return `id-${sent.length}`;
        },
        async flush() {
          calls.push(`flush ${name}`);
        },
      };
    },
    async close() {
      calls.push('close');
    },
  };
  return { pubsub: client as unknown as PubSub, calls, sent, topics };
}

describe('createPublisher (with a stand-in client)', () => {
  it('publishes a valid finding to the findings topic with its fingerprint and attributes', async () => {
    const fake = fakePubSub();
    const publisher = createPublisher({ pubsub: fake.pubsub });
    await expect(publisher.publish(valid)).resolves.toBe('id-1');
    const fingerprint = defaultFingerprint('dep-scanner', 'acme/web', valid.title);
    expect(fake.topics).toEqual([{ name: DEFAULT_FINDINGS_TOPIC, options: undefined }]);
    expect(fake.sent).toHaveLength(1);
    expect(JSON.parse(fake.sent[0]!.data.toString())).toEqual({ ...valid, fingerprint });
    expect(fake.sent[0]!.attributes).toEqual({
      severity: 'medium',
      agent: 'dep-scanner',
      fingerprint,
      schemaVersion: '1',
    });
  });

  it('rejects an invalid finding with FindingValidationError and sends nothing', async () => {
    const fake = fakePubSub();
    const publisher = createPublisher({ pubsub: fake.pubsub, topic: 'other' });
    const bad = { ...valid, severity: 'urgent' } as unknown as FindingInput;
    const error = await publisher.publish(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FindingValidationError);
    expect((error as FindingValidationError).detail).toMatch(/^severity: must be one of info, low/);
    expect(fake.sent).toEqual([]);
  });

  it('passes the batching options to the topic, and leaves a caller-owned client open on close', async () => {
    const fake = fakePubSub();
    const publisher = createPublisher({ pubsub: fake.pubsub, topic: 't', batching: { maxMessages: 5 } });
    expect(fake.topics).toEqual([{ name: 't', options: { batching: { maxMessages: 5 } } }]);
    await publisher.flush();
    await publisher.close();
    await publisher.close(); // a second close does nothing
    expect(fake.calls).toEqual(['flush t', 'flush t']);
    await expect(publisher.publish(valid)).rejects.toThrow(/closed/);
  });
});
