import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-stand-in.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';
import { finding, provisionForTest, relayEnv } from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { spawnWorker, type WorkerProcess, waitUntil } from '../support/worker-process.js';

const TOKEN = 'ghp_fake_SENTINELtoken0123456789abcdefghijklmn';

let pubsub: PubSub;
let slack: SlackStandIn;
let github: GitHubStandIn;
beforeAll(async () => {
  pubsub = createTestPubSub();
  slack = await startSlackStandIn();
  github = await startGitHubStandIn({ token: TOKEN, repos: ['acme/widgets'] });
});
afterAll(async () => {
  await Promise.all([pubsub.close(), slack.close(), github.close()]);
});

type Line = Record<string, unknown>;
const jsonLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

describe('worker logs and metrics, as a process', () => {
  it('logs JSON with severity, one line per outcome, Slack message and GitHub call, and never a secret', async () => {
    const names = uniqueNames('obs-logs');
    await provisionForTest(pubsub, names);
    const storeDir = await mkdtemp(join(tmpdir(), 'relay-obs-logs-'));
    const secretPath = new URL(slack.url).pathname.split('/').pop()!;
    // Whole, and the way a truncated detail would cut them.
    const sentinels = [
      slack.url,
      secretPath,
      secretPath.slice(0, 12),
      TOKEN,
      TOKEN.slice(0, 16),
      TOKEN.slice(4, 20),
    ];
    const env = relayEnv(names, storeDir, {
      LOG_LEVEL: 'debug',
      PORT: '0',
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: slack.url,
      SLACK_BATCH_WINDOW_MS: '200',
      DRY_RUN: 'false',
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: github.url,
      GITHUB_REPO_ALLOWLIST: 'acme/widgets',
      GITHUB_WRITE_INTERVAL_MS: '10',
    });
    // Faults that make the channels talk about their requests: a Slack 500 (retried), a GitHub
    // secondary rate limit (waited out), both on the first request.
    slack.setMode({ kind: 'fail-next', n: 1, status: 500, body: 'rollup_error' });
    github.setFault({ kind: 'secondary-limit', retryAfterS: 1 });

    const worker: WorkerProcess = spawnWorker(env);
    try {
      await waitUntil(() => /HTTP listening/.test(worker.output()), 'the worker to listen', 30_000);
      const port = jsonLines(worker.output()).find((l) => l.message?.toString().startsWith('HTTP listening'))
        ?.port as number;
      const good = [finding({ repo: 'acme/widgets' }), finding({ repo: undefined, severity: 'low' })];
      for (const f of good) await pubsub.topic(names.findingsTopic).publishMessage({ json: f });
      // Secrets inside the finding itself: an unknown field named after the token, and the webhook
      // URL as a value, so the invalid-schema detail quotes them.
      const hostile = `{"schemaVersion":1,"id":"hostile-1","${TOKEN}":"${slack.url}"}`;
      await pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from(hostile) });
      const outcomeLines = () => jsonLines(worker.output()).filter((l) => l.message === 'outcome');
      await waitUntil(
        () => outcomeLines().filter((l) => l.outcome !== 'transient' && l.outcome !== 'queued').length >= 4,
        'an outcome line per finding per channel',
        40_000,
      );
      await waitUntil(() => /hostile-1|invalid-schema/.test(worker.output()), 'the dead letter', 20_000);

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^finding_relay_github_rate_limit_remaining\{resource="core"\} \d+$/m);
      expect(metrics).toMatch(/^finding_relay_github_rate_limit_waits_total\{kind="secondary"\} 1$/m);
      expect(metrics).toMatch(/^finding_relay_slack_messages_total\{result="sent"\} 1$/m);
      expect(metrics).toMatch(/^finding_relay_slack_messages_total\{result="transient"\} 1$/m);
      expect(metrics).toMatch(/^finding_relay_findings_valid_total 2$/m);
      expect(metrics).toMatch(/^finding_relay_findings_invalid_total\{reason="invalid-schema"\} 1$/m);
      expect(metrics).toMatch(/^finding_relay_dead_lettered_total\{reason="invalid-schema"\} 1$/m);
      expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);

      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const output = worker.output();

      for (const secret of sentinels) expect(output).not.toContain(secret);
      const lines = jsonLines(output);
      expect(output.split('\n').filter((l) => l.trim() && !l.startsWith('{'))).toEqual([]);
      for (const line of lines)
        expect(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']).toContain(line.severity);

      const outcomes = lines.filter((l) => l.message === 'outcome');
      // Intake logs `queued` for what it put in the outbox; the dispatchers log the final outcome.
      expect(
        outcomes
          .filter((l) => l.outcome === 'queued')
          .map((l) => `${l.findingId} ${l.channel}`)
          .sort(),
      ).toEqual([`${good[0]!.id} slack`, `${good[0]!.id} github`, `${good[1]!.id} slack`].sort());
      const finals = outcomes.filter((l) => l.outcome !== 'transient' && l.outcome !== 'queued');
      const key = (l: Line) => `${l.findingId} ${l.channel} ${l.outcome} ${l.reason ?? ''}`;
      expect(finals.map(key).sort()).toEqual(
        [
          `${good[0]!.id} slack sent `,
          `${good[0]!.id} github sent `,
          `${good[1]!.id} slack sent `,
          `${good[1]!.id} github dropped no-repo`,
        ].sort(),
      );
      for (const l of finals) {
        expect(l).toMatchObject({ agent: 'test-agent', severity: 'INFO' });
        expect(typeof l.latencyMs).toBe('number');
      }
      const slackLines = lines.filter((l) => l.message === 'slack message');
      expect(slackLines.map((l) => [l.status, l.attempt, l.findings])).toEqual([
        ['transient', 1, 2],
        ['sent', 2, 2],
      ]);
      const githubLines = lines.filter((l) => l.message === 'github call');
      expect(githubLines.map((l) => l.action)).toEqual(
        expect.arrayContaining(['list-issues', 'create-issue']),
      );
      for (const l of githubLines)
        expect(l).toMatchObject({ channel: 'github', repo: 'acme/widgets', ok: true });
      expect(lines.some((l) => /rate limit/i.test(String(l.message)))).toBe(true);
      expect(lines.some((l) => l.settlement && JSON.stringify(l).includes('[REDACTED]'))).toBe(true);

      const [dead] = await receiveMessages(pubsub, names.deadLetterSubscription, { count: 1 });
      const detail = dead?.attributes.finding_relay_detail ?? '';
      expect(detail).toContain('[REDACTED]');
      for (const secret of sentinels) expect(detail).not.toContain(secret);
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  }, 120_000);
});
