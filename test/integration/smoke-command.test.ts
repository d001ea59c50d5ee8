import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSmoke } from '../../src/cli/smoke.js';
import { testIO } from '../../src/cli/test-io.js';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-stand-in.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  ledgerRecords,
  provisionForTest,
  type RelayUnderTest,
  relayEnv,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

let pubsub: PubSub;
let relay: RelayUnderTest | undefined;
let slack: SlackStandIn | undefined;
let github: GitHubStandIn | undefined;
let server: Server | undefined;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterEach(async () => {
  await relay?.worker.stop();
  await slack?.close();
  await github?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  relay = slack = github = server = undefined;
});
afterAll(async () => {
  await pubsub.close();
});

const urlOf = (r: RelayUnderTest) => `http://127.0.0.1:${r.worker.httpPort}`;

describe('finding-relay smoke', () => {
  it('in dev: Slack sent, GitHub dry-run with its ledger key, exit 0', async () => {
    const names = uniqueNames('smoke-ok');
    await provisionForTest(pubsub, names);
    slack = await startSlackStandIn();
    relay = await startRelayUnderTest(names, {
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: slack.url,
      SLACK_BATCH_WINDOW_MS: '0',
      GITHUB_REPO_ALLOWLIST: 'acme/*,acme/smoke',
    });
    const run = testIO(relay.env);
    const code = await runSmoke(['--url', urlOf(relay), '--timeout', '30s'], run.io);
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
    const out = run.stdout();
    const id = /published smoke finding (smoke-[a-z0-9]+-[0-9a-f]+) to /.exec(out)?.[1];
    expect(id).toBeDefined();
    expect(out).toMatch(/slack {3}sent — as expected\n/);
    expect(out).toMatch(/github {2}dry-run → ledger\/dev\/\S+\.jsonl — as expected\n/);
    expect(out).toContain('smoke test passed');
    const [record] = (await ledgerRecords(relay.storeDir)).filter((r) => r.findingId === id);
    expect(record).toMatchObject({ action: 'create-issue', mode: 'DRY_RUN' });
    expect(JSON.stringify(record?.request)).toContain('acme/smoke');
    expect(slack.accepted).toHaveLength(1);
    expect(JSON.stringify(slack.accepted[0]?.body)).toContain('[smoke test]');
  });

  it('exits 1 when the worker at --url runs with a different configuration', async () => {
    const names = uniqueNames('smoke-mismatch');
    await provisionForTest(pubsub, names);
    relay = await startRelayUnderTest(names);
    // This shell believes Slack is on; the worker it points at has Slack off.
    const run = testIO({
      ...relay.env,
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: 'https://hooks.example.test/services/T/B/x',
    });
    const code = await runSmoke(['--url', urlOf(relay), '--timeout', '30s'], run.io);
    expect(code).toBe(1);
    expect(run.stdout()).toMatch(/slack {3}dropped \(mode-disabled\) — MISMATCH: expected sent\n/);
    expect(run.stderr()).toContain('smoke test FAILED');
  });

  it('exits 1 with a clear message when no outcome arrives in time', async () => {
    const names = uniqueNames('smoke-timeout');
    await provisionForTest(pubsub, names);
    server = createServer((_req, res) => res.writeHead(404).end('{"error":"unknown finding id"}'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const run = testIO(relayEnv(names, '/tmp/unused-smoke-store'));
    const code = await runSmoke(['--url', `http://127.0.0.1:${port}`, '--timeout', '1s'], run.io);
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(
      /smoke test FAILED: no final outcome for smoke-\S+ within 1s: the worker at http:\/\/127\.0\.0\.1:\d+ has not handled smoke-\S+ \(404\)/,
    );
  });

  /**
   * A stand-in worker whose /api/outcomes answers an acked finding: Slack dropped at intake, and
   * GitHub as `github(look)` says (its dispatcher finishing, or not). Returns its URL.
   */
  async function ackedWorker(github: (look: number) => object): Promise<string> {
    let looks = 0;
    server = createServer((req, res) => {
      const id = decodeURIComponent(req.url!.split('/').pop()!);
      looks += 1;
      const summary = {
        findingId: id,
        messageId: 'm',
        settlement: 'ack',
        channels: { slack: { kind: 'dropped', reason: 'mode-disabled' }, github: github(looks) },
        settledAt: '',
        deliveryAttempt: 1,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(summary));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('waits while a channel is still queued after the ack, and judges the final outcome', async () => {
    const names = uniqueNames('smoke-queued');
    await provisionForTest(pubsub, names);
    // GitHub's dispatcher finishes on the third look (intake acked at once).
    const looks: number[] = [];
    const url = await ackedWorker((look) => {
      looks.push(look);
      return look < 3 ? { kind: 'queued' } : { kind: 'dropped', reason: 'no-repo' };
    });
    const run = testIO(relayEnv(names, '/tmp/unused-smoke-store'));
    const code = await runSmoke(['--url', url, '--timeout', '30s'], run.io);
    expect(looks).toEqual([1, 2, 3]);
    expect(run.stdout()).toMatch(/github {2}dropped \(no-repo\) — as expected\n/);
    expect(code).toBe(0);
  });

  it('says which channel is still queued when the time runs out', async () => {
    const names = uniqueNames('smoke-stuck');
    await provisionForTest(pubsub, names);
    const url = await ackedWorker(() => ({ kind: 'queued' }));
    const run = testIO(relayEnv(names, '/tmp/unused-smoke-store'));
    expect(await runSmoke(['--url', url, '--timeout', '1s'], run.io)).toBe(1);
    expect(run.stderr()).toMatch(
      /no final outcome for smoke-\S+ within 1s: acked; github still queued in the outbox/,
    );
  });

  it('with GitHub REAL and no --allow-real, publishes without a repo: no issue is opened', async () => {
    const names = uniqueNames('smoke-real');
    await provisionForTest(pubsub, names);
    github = await startGitHubStandIn({ repos: ['acme/widgets'] });
    relay = await startRelayUnderTest(names, {
      DRY_RUN: 'false',
      GITHUB_TOKEN: github.token,
      GITHUB_API_URL: github.url,
      GITHUB_REPO_ALLOWLIST: 'acme/widgets',
      GITHUB_WRITE_INTERVAL_MS: '10',
    });
    const run = testIO(relay.env);
    const code = await runSmoke(['--url', urlOf(relay), '--timeout', '30s'], run.io);
    expect(code).toBe(0);
    expect(run.stdout()).toContain('GitHub is REAL in dev: the smoke finding is published without a repo');
    expect(run.stdout()).toMatch(/github {2}dropped \(no-repo\) — as expected\n/);
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(github.issues('acme/widgets')).toEqual([]);
  });
});

describe('finding-relay smoke on the command line', () => {
  it('answers bad arguments with exit 2 and its usage', () => {
    const root = new URL('../..', import.meta.url).pathname;
    const result = spawnSync(
      `${root}node_modules/.bin/tsx`,
      [`${root}src/main.ts`, 'smoke', '--timeout', 'soon'],
      {
        env: { PATH: process.env.PATH, DEPLOYMENT_ENV: 'dev' },
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('finding-relay smoke: --timeout: "soon" is not a duration');
    expect(result.stderr).toContain('Usage: finding-relay smoke [--timeout 60s] [--allow-real]');
  });
});
