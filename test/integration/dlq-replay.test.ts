import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDlq } from '../../src/cli/dlq.js';
import type { CommandIO } from '../../src/cli/io.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  type Env,
  finding,
  ledgerRecords,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

let pubsub: PubSub;
let relay: RelayUnderTest;
let slack: SlackStandIn;
let dir: string;
const names = uniqueNames('dlq-replay');

async function dlq(args: string[]) {
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
  const code = await runDlq(args, io);
  return { code, out: out.join(''), err: err.join('') };
}

const statsJson = async () => JSON.parse((await dlq(['stats', '--json'])).out);

beforeAll(async () => {
  pubsub = createTestPubSub();
  dir = await mkdtemp(join(tmpdir(), 'dlq-replay-'));
  await provisionForTest(pubsub, names);
  slack = await startSlackStandIn();
  relay = await startRelayUnderTest(names, {
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_WEBHOOK_URL: slack.url,
    SLACK_BATCH_WINDOW_MS: '0',
  });
});

afterAll(async () => {
  await relay?.worker.stop();
  await slack?.close();
  await pubsub?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The dead-letter topic's inspect subscription holds `n` letters (a dispatcher publishes after the ack). */
async function waitForLetters(n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await statsJson()).total < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} dead letters`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('dlq replay through a running relay', () => {
  it('replays fixed findings to their outcome, removes them, and refuses the still-invalid', async () => {
    // A: valid, but Slack refuses it permanently (archived channel) → the relay dead-letters it;
    // its GitHub dry-run is done and recorded. B: Pub/Sub's policy gave up on it. C: not JSON.
    slack.setMode({ kind: 'status', status: 410, body: 'channel_is_archived' });
    const a = finding({ title: 'Replayed after the channel was restored' });
    const b = finding({ repo: undefined, title: 'Replayed after five transient failures' });
    const findings = pubsub.topic(names.findingsTopic);
    const aMessageId = await findings.publishMessage({
      data: Buffer.from(JSON.stringify(a)),
      attributes: { agent: 'test-agent' },
    });
    const cMessageId = await findings.publishMessage({ data: Buffer.from('{"id": "still-broken",') });
    const bDeadLetterId = await pubsub.topic(names.deadLetterTopic).publishMessage({
      data: Buffer.from(JSON.stringify(b)),
      attributes: {
        CloudPubSubDeadLetterSourceDeliveryCount: '5',
        CloudPubSubDeadLetterSourceSubscription: 'x',
      },
    });
    await relay.waitForSettled(2);
    // A is acked once queued; its Slack dispatcher then dead-letters it. C is refused at intake.
    expect(relay.settled.map((s) => s.settlement.kind).sort()).toEqual(['ack', 'dead-letter']);
    await relay.waitForDispatched();
    await waitForLetters(3);
    expect((await statsJson()).byReason).toEqual({
      'permanent-slack': 1,
      'invalid-json': 1,
      'max-delivery-attempts': 1,
    });
    expect((await ledgerRecords(relay.storeDir)).filter((r) => r.findingId === a.id)).toHaveLength(1);

    // A dry run changes nothing, and exits as the real run would (1: one would be refused).
    const dry = await dlq(['replay', '--all', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.out).toContain('dry run: would replay 2, would refuse 1; nothing was changed');
    expect((await statsJson()).total).toBe(3);
    expect(relay.settled).toHaveLength(2);

    // The channel is fixed: replay everything.
    slack.setMode({ kind: 'ok' });
    const replay = await dlq(['replay', '--all']);
    expect(replay.out).toContain('replayed 2, refused 1, failed 0');
    expect(replay.out).toMatch(/refuse message \S+ \(invalid-json\): still invalid-json: not valid JSON/);
    expect(replay.code).toBe(1); // something was refused

    await relay.waitForSettled(4);
    const replayed = new Map(relay.settled.slice(2).map((s) => [s.envelope.finding?.id, s]));
    for (const id of [a.id, b.id]) {
      expect(replayed.get(id)?.settlement.kind).toBe('ack');
    }
    await relay.waitForDispatched();
    for (const id of [a.id, b.id]) {
      const s = replayed.get(id)!;
      expect(relay.outcomeOf(s.envelope, 'slack')).toEqual({ kind: 'sent' });
    }
    const attrs = (id: string) => replayed.get(id)?.envelope.message.attributes;
    expect(attrs(a.id)).toEqual({ agent: 'test-agent', finding_relay_replayed_from: aMessageId });
    expect(attrs(b.id)).toEqual({ finding_relay_replayed_from: bDeadLetterId });
    // A's GitHub dry-run was not repeated: the redelivered event reused its recorded outcome.
    expect((await ledgerRecords(relay.storeDir)).filter((r) => r.findingId === a.id)).toHaveLength(1);

    // The replayed dead letters are gone; the refused one stays and is refused again by id.
    const after = await statsJson();
    expect(after).toMatchObject({ total: 1, byReason: { 'invalid-json': 1 } });
    const again = await dlq(['replay', '--id', cMessageId]);
    expect(again.code).toBe(1);
    expect(again.out).toContain('replayed 0, refused 1, failed 0');
    expect((await statsJson()).total).toBe(1);
  });

  it('reports an --id that matches nothing', async () => {
    const missing = await dlq(['replay', '--id', 'no-such-finding']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no dead letter matches --id no-such-finding');
    expect(missing.out).toContain('replayed 0, refused 0, failed 0');
  });
});
