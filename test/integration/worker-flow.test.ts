import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  finding,
  ledgerRecords,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

let pubsub: PubSub;
let relay: RelayUnderTest | undefined;
let slack: SlackStandIn | undefined;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterEach(async () => {
  await relay?.worker.stop();
  await slack?.close();
  relay = undefined;
  slack = undefined;
});
afterAll(async () => {
  await pubsub.close();
});

/** True when nothing arrives on the subscription for `quietMs` (nothing left to redeliver). */
async function isDrained(subscriptionName: string, quietMs = 1_500): Promise<boolean> {
  const got = await receiveMessages(pubsub, subscriptionName, { count: 1, timeoutMs: quietMs }).catch(
    () => [],
  );
  return got.length === 0;
}

/** Polls `probe` until it gives a value (the dispatchers work after the ack, at their own pace). */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const publish = (topic: string, data: Buffer | string, attributes: Record<string, string> = {}) =>
  pubsub.topic(topic).publishMessage({ data: Buffer.isBuffer(data) ? data : Buffer.from(data), attributes });

describe('the worker on the real emulator', () => {
  it('takes valid findings to one outcome per channel, writes the dry-run ledger and acks them', async () => {
    const names = uniqueNames('flow');
    await provisionForTest(pubsub, names);
    relay = await startRelayUnderTest(names);
    const findings = [
      finding({ severity: 'critical' }),
      finding({ repo: undefined }),
      finding({ repo: 'other/tool' }),
      finding({ severity: 'low', repo: 'acme/api' }),
    ];
    for (const f of findings) await publish(names.findingsTopic, JSON.stringify(f));
    await relay.waitForSettled(4);

    const byId = new Map(relay.settled.map((s) => [s.envelope.finding?.id, s]));
    expect([...byId.values()].map((s) => s.settlement.kind)).toEqual(['ack', 'ack', 'ack', 'ack']);
    const outcome = (i: number, channel: 'slack' | 'github') =>
      byId.get(findings[i]!.id)?.envelope.outcomes.get(channel);
    // Acked once durable: GitHub's work waits in the outbox for its dispatcher.
    expect(outcome(0, 'slack')).toEqual({ kind: 'dropped', reason: 'mode-disabled' });
    expect(outcome(0, 'github')).toEqual({ kind: 'queued' });
    expect(outcome(1, 'github')).toEqual({ kind: 'dropped', reason: 'no-repo' });
    expect(outcome(2, 'github')).toEqual({ kind: 'dropped', reason: 'not-allowlisted' });
    expect(outcome(3, 'github')).toEqual({ kind: 'queued' });

    const records = await eventually(async () => {
      const found = await ledgerRecords(relay!.storeDir);
      return found.length >= 2 ? found : undefined;
    });
    expect(records.map((r) => r.findingId).sort()).toEqual([findings[0]!.id, findings[3]!.id].sort());
    expect(records[0]).toMatchObject({
      env: 'dev',
      channel: 'github',
      mode: 'DRY_RUN',
      action: 'create-issue',
    });
    expect(await isDrained(names.findingsSubscription)).toBe(true);

    // The outcomes API answers for a finding this worker handled, and 404 for others.
    const api = await fetch(`http://127.0.0.1:${relay.worker.httpPort}/api/outcomes/${findings[0]!.id}`);
    expect(api.status).toBe(200);
    expect(((await api.json()) as { channels: { github: { kind: string } } }).channels.github.kind).toBe(
      'dry-run',
    );
    expect((await fetch(`http://127.0.0.1:${relay.worker.httpPort}/api/outcomes/nope`)).status).toBe(404);
  });

  it('dead-letters invalid input at once with its reason, and does not redeliver it', async () => {
    const names = uniqueNames('invalid');
    await provisionForTest(pubsub, names);
    relay = await startRelayUnderTest(names);
    const cases: Array<[string, Buffer | string]> = [
      ['invalid-json', '{"schemaVersion": 1, "id": '],
      ['invalid-json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
      ['invalid-schema', JSON.stringify({ ...finding(), severity: 'urgent' })],
      ['invalid-schema', JSON.stringify({ ...finding(), sevrity: 'high' })],
      ['too-large', JSON.stringify({ ...finding(), body: 'x'.repeat(300 * 1024) })],
    ];
    for (const [i, [, data]] of cases.entries())
      await publish(names.findingsTopic, data, { case: String(i) });
    const dead = await receiveMessages(pubsub, names.deadLetterSubscription, { count: cases.length });
    const reasonByCase = Object.fromEntries(
      dead.map((m) => [m.attributes.case, m.attributes.finding_relay_reason]),
    );
    expect(reasonByCase).toEqual(Object.fromEntries(cases.map(([reason], i) => [String(i), reason])));
    for (const m of dead) {
      expect(m.attributes.finding_relay_detail?.length).toBeGreaterThan(0);
      expect(m.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBeUndefined();
    }
    expect(dead.find((m) => m.attributes.case === '3')?.attributes.finding_relay_detail).toContain('sevrity');
    expect(
      dead.find((m) => m.attributes.case === '1')?.data.equals(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
    ).toBe(true);
    expect(relay.settled.every((s) => s.settlement.kind === 'dead-letter')).toBe(true);
    expect(await isDrained(names.findingsSubscription)).toBe(true);
    expect(relay.settled).toHaveLength(cases.length);
  });

  it('retries a channel that keeps failing transiently from the outbox, never through Pub/Sub', async () => {
    const names = uniqueNames('transient');
    await provisionForTest(pubsub, names, 5);
    slack = await startSlackStandIn();
    slack.setMode({ kind: 'status', status: 503, body: 'service_unavailable' });
    relay = await startRelayUnderTest(names, {
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: slack.url,
      SLACK_BATCH_WINDOW_MS: '100',
      GITHUB_ISSUE_CREATION_ENABLED: 'false',
    });
    const f = finding();
    await publish(names.findingsTopic, JSON.stringify(f));
    await relay.waitForSettled(1);
    // Two dispatcher cycles fail (each after its in-place retries), then Slack recovers.
    await eventually(async () => (slack!.received.length >= 8 ? true : undefined), 60_000);
    slack.setMode({ kind: 'ok' });
    await eventually(async () => (slack!.accepted.length === 1 ? true : undefined), 60_000);
    const api = await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${relay!.worker.httpPort}/api/outcomes/${f.id}`);
      const body = (await r.json()) as { channels: { slack: { kind: string } } };
      return body.channels.slack.kind === 'sent' ? body : undefined;
    });
    expect(api.channels.slack.kind).toBe('sent');
    // One delivery, acked at once: the failures never cost a delivery attempt.
    expect(relay.settled.map((s) => [s.settlement.kind, s.envelope.message.deliveryAttempt])).toEqual([
      ['ack', 1],
    ]);
    expect(await isDrained(names.findingsSubscription)).toBe(true);
    expect(await isDrained(names.deadLetterSubscription, 500)).toBe(true);
  }, 120_000);

  it('never holds more messages than its flow-control bound with a backlog of 10,000', async () => {
    const names = uniqueNames('flowctl');
    await provisionForTest(pubsub, names);
    const topic = pubsub.topic(names.findingsTopic, { batching: { maxMessages: 1000, maxMilliseconds: 20 } });
    const total = 10_000;
    const publishes: Promise<string>[] = [];
    for (let i = 0; i < total; i++) {
      publishes.push(
        topic.publishMessage({ data: Buffer.from(JSON.stringify(finding({ repo: undefined }))) }),
      );
    }
    await Promise.all(publishes);
    relay = await startRelayUnderTest(
      names,
      { GITHUB_ISSUE_CREATION_ENABLED: 'false' },
      { maxMessages: 200 },
    );
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, relay!.worker.relay.inHand());
    }, 5);
    try {
      await relay.waitForSettled(total, 120_000);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(200);
    expect(new Set(relay.settled.map((s) => s.envelope.finding?.id)).size).toBe(total);
  }, 150_000);
});
