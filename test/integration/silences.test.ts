import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSilence } from '../../src/cli/silence.js';
import { testIO } from '../../src/cli/test-io.js';
import type { FindingInput } from '../../src/finding/schema.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  finding,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

/** Every worker honours a new or expired silence within this long (docs/contract.md §7). */
const HONOURED_WITHIN_MS = 5_000;

let pubsub: PubSub;
let relay: RelayUnderTest | undefined;
let second: RelayUnderTest | undefined;
let slack: SlackStandIn | undefined;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterEach(async () => {
  await second?.worker.stop();
  await relay?.worker.stop();
  await slack?.close();
  second = undefined;
  relay = undefined;
  slack = undefined;
});
afterAll(async () => {
  await pubsub.close();
});

async function silence(args: string[]) {
  const t = testIO(relay!.env, { cwd: relay!.storeDir });
  const code = await runSilence(args, t.io);
  expect(t.stderr()).toBe('');
  expect(code).toBe(0);
  return t.stdout().trim();
}

/** Publishes findings and waits for their settlement; returns each one's GitHub outcome once final. */
async function publishAndSettle(topic: string, findings: FindingInput[]) {
  const before = relay!.settled.length;
  for (const f of findings)
    await pubsub.topic(topic).publishMessage({ data: Buffer.from(JSON.stringify(f)) });
  await relay!.waitForSettled(before + findings.length);
  await relay!.waitForDispatched();
  const byId = new Map(relay!.settled.map((s) => [s.envelope.finding?.id, s.envelope]));
  return findings.map((f) => relay!.outcomeOf(byId.get(f.id)!, 'github'));
}

const http = async (path: string) => {
  const response = await fetch(`http://127.0.0.1:${relay!.worker.httpPort}${path}`);
  return response.text();
};

describe('silences on the emulator', () => {
  it('silence add mutes matching findings within 5 s while others flow; silence expire brings them back', async () => {
    const names = uniqueNames('silence');
    await provisionForTest(pubsub, names);
    relay = await startRelayUnderTest(names);
    const noisy = (): FindingInput => finding({ source: { agent: 'noisy-scanner' } });
    const quiet = (): FindingInput => finding({ source: { agent: 'quiet-scanner' } });

    // Before: both reach GitHub (dry run in dev).
    expect(await publishAndSettle(names.findingsTopic, [noisy(), quiet()])).toEqual([
      expect.objectContaining({ kind: 'dry-run' }),
      expect.objectContaining({ kind: 'dry-run' }),
    ]);

    const id = await silence([
      'add',
      '--match',
      'agent=~noisy-.*',
      '--for',
      '1h',
      '--reason',
      'integration test',
      '--author',
      'tester',
    ]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, HONOURED_WITHIN_MS));
    const muted = noisy();
    const [mutedOutcome, flowing] = await publishAndSettle(names.findingsTopic, [muted, quiet()]);
    expect(mutedOutcome).toEqual({ kind: 'dropped', reason: 'silenced', silenceId: id });
    expect(flowing).toEqual(expect.objectContaining({ kind: 'dry-run' }));

    // Counted, shown by the outcomes API and on the status page.
    expect(await http('/metrics')).toMatch(/channel="github",outcome="dropped",reason="silenced"\} 1/);
    expect(JSON.parse(await http(`/api/outcomes/${muted.id}`))).toMatchObject({
      channels: { github: { kind: 'dropped', reason: 'silenced', silenceId: id } },
    });
    const page = await http('/');
    expect(page).toContain(`<tr data-silence="${id}">`);
    expect(page).toContain('integration test');

    expect(await silence(['expire', id])).toBe(`expired ${id}`);
    await new Promise((r) => setTimeout(r, HONOURED_WITHIN_MS));
    expect(await publishAndSettle(names.findingsTopic, [noisy()])).toEqual([
      expect.objectContaining({ kind: 'dry-run' }),
    ]);
    expect(await http('/')).not.toContain(`<tr data-silence="${id}">`);
  }, 90_000);

  it('an entry already queued in the outbox when the silence is added is completed as dropped (silenced), not sent', async () => {
    slack = await startSlackStandIn();
    slack.setMode({ kind: 'status', status: 503, body: 'service_unavailable' });
    const names = uniqueNames('silence-queued');
    await provisionForTest(pubsub, names);
    relay = await startRelayUnderTest(names, {
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: slack.url,
      SLACK_BATCH_WINDOW_MS: '100',
    });
    const queued = finding({ source: { agent: 'noisy-scanner' }, title: 'queued while Slack is down' });
    await pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from(JSON.stringify(queued)) });
    await relay.waitForSettled(1);
    const envelope = relay.settled[0]!.envelope;
    expect(envelope.outcomes.get('slack')).toEqual({ kind: 'queued' });
    // Its dispatcher tried and failed: the entry waits in the outbox for a retry.
    while (slack.received.length === 0) await new Promise((r) => setTimeout(r, 50));

    const id = await silence([
      'add',
      '--match',
      'agent=noisy-scanner',
      '--channel',
      'slack',
      '--for',
      '1h',
      '--reason',
      'outage',
    ]);
    await new Promise((r) => setTimeout(r, HONOURED_WITHIN_MS));
    slack.setMode({ kind: 'ok' });
    await relay.waitForDispatched(30_000);
    expect(relay.outcomeOf(envelope, 'slack')).toEqual({
      kind: 'dropped',
      reason: 'silenced',
      silenceId: id,
    });
    expect(slack.accepted.some((r) => r.rawBody.includes('queued while Slack is down'))).toBe(false);
    // The silence covers Slack only: GitHub's dry run went on.
    expect(relay.outcomeOf(envelope, 'github')).toEqual(expect.objectContaining({ kind: 'dry-run' }));
  }, 90_000);

  it('two workers on one state and subscription both honour a silence within 5 s', async () => {
    const names = uniqueNames('silence-two');
    await provisionForTest(pubsub, names);
    relay = await startRelayUnderTest(names);
    second = await startRelayUnderTest(names, {}, { storeDir: relay.storeDir });
    const id = await silence(['add', '--match', 'label=noisy', '--for', '10m', '--reason', 'fleet']);
    await new Promise((r) => setTimeout(r, HONOURED_WITHIN_MS));
    for (const r of [relay, second]) {
      const page = await (await fetch(`http://127.0.0.1:${r.worker.httpPort}/`)).text();
      expect(page).toContain(`<tr data-silence="${id}">`);
    }
    const muted = Array.from({ length: 8 }, () => finding({ labels: ['noisy', 'x'] }));
    const flowing = Array.from({ length: 4 }, () => finding({ labels: ['x'] }));
    for (const f of [...muted, ...flowing]) {
      await pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from(JSON.stringify(f)) });
    }
    const all = () => [...relay!.settled, ...second!.settled];
    const deadline = Date.now() + 30_000;
    while (all().length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Intake decides: a muted finding is final at once on whichever worker took it; the others are
    // queued (the GitHub lease holder, maybe the other worker, dispatches them).
    const outcome = (f: FindingInput) => {
      for (const r of [relay!, second!]) {
        const s = r.settled.find((x) => x.envelope.finding?.id === f.id);
        if (s) return s.envelope.outcomes.get('github');
      }
      return undefined;
    };
    for (const f of muted) expect(outcome(f)).toEqual({ kind: 'dropped', reason: 'silenced', silenceId: id });
    for (const f of flowing) expect(outcome(f)).toEqual({ kind: 'queued' });
  }, 90_000);
});
