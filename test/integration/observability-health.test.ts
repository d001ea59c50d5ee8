import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  finding,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { waitUntil } from '../support/worker-process.js';

let pubsub: PubSub;
let relay: RelayUnderTest | undefined;
let slack: SlackStandIn | undefined;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterEach(async () => {
  await relay?.worker.stop();
  await slack?.close();
  relay = slack = undefined;
});
afterAll(async () => {
  await pubsub.close();
});

const get = async (r: RelayUnderTest, path: string) => {
  const res = await fetch(`http://127.0.0.1:${r.worker.httpPort}${path}`);
  return { status: res.status, body: await res.text() };
};
const publish = (topic: string, f: object) => pubsub.topic(topic).publishMessage({ json: f });

describe('health and readiness', () => {
  it('is live and ready while running, not ready while draining, and says so', async () => {
    const names = uniqueNames('obs-ready');
    await provisionForTest(pubsub, names);
    slack = await startSlackStandIn();
    slack.setMode({ kind: 'hang' });
    relay = await startRelayUnderTest(names, {
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: slack.url,
      SLACK_BATCH_WINDOW_MS: '0',
    });
    expect(await get(relay, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get(relay, '/readyz')).toEqual({ status: 200, body: 'ready\n' });
    const metrics = (await get(relay, '/metrics')).body;
    expect(metrics).toMatch(
      /^finding_relay_info\{version="\d+\.\d+\.\d+[^"]*",environment="dev",slack_mode="ENABLED",github_mode="DRY_RUN"\} 1$/m,
    );
    expect(metrics).toMatch(/^finding_relay_state_store_available 1$/m);

    // A digest held by a Slack that never answers keeps the dispatcher's drain busy.
    await publish(names.findingsTopic, finding());
    await waitUntil(() => slack!.received.length === 1, 'Slack to receive the digest', 20_000);
    const stopping = relay.worker.stop();
    const draining = await get(relay, '/readyz');
    expect(draining.status).toBe(503);
    expect(draining.body).toMatch(/^not ready: (draining|stopped): not taking new messages\n$/);
    expect(await get(relay, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect((await get(relay, '/')).body).toMatch(/not ready: (draining|stopped)/);
    // Intake is done at once (the message was acked when queued); HTTP answers until the
    // dispatcher's request in flight ends.
    await waitUntil(
      async () => (await get(relay!, '/readyz')).body === 'not ready: stopped: not taking new messages\n',
      'intake to stop while the dispatcher still drains',
      10_000,
    );
    await slack.close();
    await stopping;
  });

  it('is not ready while the state store keeps failing, and ready again once it answers', async () => {
    const names = uniqueNames('obs-store');
    await provisionForTest(pubsub, names, 100);
    relay = await startRelayUnderTest(names);
    // The state file moved away: every transaction fails as unavailable until it is back.
    const db = join(relay.storeDir, 'state.db');
    renameSync(db, `${db}.away`);
    for (let i = 0; i < 3; i++) await publish(names.findingsTopic, finding());
    await waitUntil(async () => (await get(relay!, '/readyz')).status === 503, '/readyz to turn 503', 30_000);
    const down = await get(relay, '/readyz');
    expect(down.body).toMatch(
      /^not ready: state store unavailable: the last \d+ state transactions failed \(latest: .+\)\n$/,
    );
    expect((await get(relay, '/metrics')).body).toMatch(/^finding_relay_state_store_available 0$/m);
    expect((await get(relay, '/')).body).toContain('not ready: state store unavailable');

    renameSync(`${db}.away`, db);
    await waitUntil(async () => (await get(relay!, '/readyz')).status === 200, '/readyz to recover', 30_000);
    await relay.waitForSettled(1);
    expect((await get(relay, '/metrics')).body).toMatch(/^finding_relay_state_store_available 1$/m);
  });
});
