import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DlqDeps, runDlq } from '../../src/cli/dlq.js';
import type { CommandIO } from '../../src/cli/io.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  type Env,
  finding,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

let pubsub: PubSub;
let relay: RelayUnderTest;
let slack: SlackStandIn;
let dir: string;
const names = uniqueNames('dlq-inspect');
const expectedByReason = {
  'invalid-json': 2,
  'invalid-schema': 2,
  'permanent-slack': 1,
  'max-delivery-attempts': 1,
};

async function dlq(args: string[], deps: DlqDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    env: relay.env as Env,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([]),
    cwd: dir,
    signal: new AbortController().signal,
  };
  const code = await runDlq(args, io, deps);
  return { code, out: out.join(''), err: err.join('') };
}

const statsJson = async () => JSON.parse((await dlq(['stats', '--json'])).out);

/**
 * Polls the dead-letter subscription (as `dlq stats` reads it) until it holds `count` letters;
 * rejects after the timeout with how many arrived. Settlements alone do not say so: a permanent
 * channel failure is dead-lettered later, by the outbox dispatcher (src/dispatch/sink-cycle.ts).
 */
async function waitForDeadLetters(count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { total } = await statsJson();
    if (total >= count) return;
    if (Date.now() > deadline)
      throw new Error(`${total} of ${count} dead letters on ${names.deadLetterSubscription}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  pubsub = createTestPubSub();
  dir = await mkdtemp(join(tmpdir(), 'dlq-inspect-'));
  await provisionForTest(pubsub, names);
  slack = await startSlackStandIn();
  slack.setMode({ kind: 'status', status: 410, body: 'channel_is_archived' });
  relay = await startRelayUnderTest(names, {
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_WEBHOOK_URL: slack.url,
    SLACK_BATCH_WINDOW_MS: '0',
    GITHUB_ISSUE_CREATION_ENABLED: 'false',
  });
  // Dead-lettered by the relay itself: two invalid JSON, two schema violations, one permanent Slack failure.
  const publish = (data: string, attributes: Record<string, string> = {}) =>
    pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from(data), attributes });
  await publish('{"schemaVersion": 1, "id": ', { agent: 'agent-a' });
  await publish('not json at all');
  await publish(JSON.stringify({ ...finding({ source: { agent: 'agent-b' } }), severity: 'urgent' }));
  await publish(JSON.stringify({ ...finding({ source: { agent: 'agent-b' } }), sevrity: 'high' }));
  await publish(JSON.stringify(finding({ source: { agent: 'agent-c' }, title: 'Archived channel' })));
  // Dead-lettered by Pub/Sub's policy (as it would arrive after five failed deliveries).
  await pubsub.topic(names.deadLetterTopic).publishMessage({
    data: Buffer.from(JSON.stringify(finding({ source: { agent: 'agent-c' } }))),
    attributes: { agent: 'agent-c', CloudPubSubDeadLetterSourceDeliveryCount: '5' },
  });
  await relay.waitForSettled(5);
  // Four of the relay's five are dead-lettered at settlement; the Slack one (410) only when the
  // dispatcher has tried Slack, which may be later (a retry first, under load). All six, then.
  await waitForDeadLetters(6);
});

afterAll(async () => {
  await relay?.worker.stop();
  await slack?.close();
  await pubsub?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dlq stats and list on the real emulator', () => {
  it('counts the relay-made and the Pub/Sub-made dead letters by reason and agent', async () => {
    const stats = await statsJson();
    expect(stats).toMatchObject({
      subscription: names.deadLetterSubscription,
      total: 6,
      capped: false,
      byReason: expectedByReason,
      byAgent: { 'agent-a': 1, 'agent-b': 2, 'agent-c': 2, unknown: 1 },
    });
    expect(stats.oldestAgeSeconds).toBeGreaterThanOrEqual(stats.newestAgeSeconds);

    const text = await dlq(['stats']);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`Dead letters on ${names.deadLetterSubscription}: 6`);
    expect(text.out).toMatch(/max-delivery-attempts +1/);
  });

  it('lists with filters and leaves the backlog as it was', async () => {
    const before = await statsJson();

    const listed = await dlq(['list', '--json']);
    expect(listed.code).toBe(0);
    const { messages, scanned } = JSON.parse(listed.out);
    expect(scanned).toBe(6);
    expect(messages).toHaveLength(6);
    const archived = messages.find((m: { title: string | null }) => m.title === 'Archived channel');
    expect(archived).toMatchObject({
      reason: 'permanent-slack',
      origin: 'relay',
      agent: 'agent-c',
      dataEncoding: 'utf8',
    });
    expect(archived.attributes.finding_relay_detail).toBeTruthy();
    expect(archived.detail).not.toContain(slack.url);
    const pubsubMade = messages.find((m: { origin: string }) => m.origin === 'pubsub');
    expect(pubsubMade).toMatchObject({ reason: 'max-delivery-attempts', deliveryCount: 5 });

    const filtered = await dlq(['list', '--reason', 'invalid-schema', '--agent', 'agent-b']);
    const lines = filtered.out.trimEnd().split('\n');
    expect(lines.slice(1, -1)).toHaveLength(2);
    for (const line of lines.slice(1, -1)) expect(line).toMatch(/invalid-schema +agent-b /);

    expect(JSON.parse((await dlq(['list', '--limit', '1', '--json'])).out).messages).toHaveLength(1);

    expect(await statsJson()).toEqual({
      ...before,
      oldestAgeSeconds: expect.any(Number),
      newestAgeSeconds: expect.any(Number),
    });
  });

  it('stops at the scan cap, says so, and gives the messages back', async () => {
    const capped = await dlq(['stats'], { scan: { maxMessages: 4 } });
    expect(capped.out).toContain(': 4');
    expect(capped.out).toContain('note: stopped at the scan cap of 4 messages');
    expect((await statsJson()).total).toBe(6);
  });

  it('never consumed anything: every dead letter is still receivable', async () => {
    const received = await receiveMessages(pubsub, names.deadLetterSubscription, {
      count: 6,
      timeoutMs: 10_000,
    });
    expect(received).toHaveLength(6);
  });
});
