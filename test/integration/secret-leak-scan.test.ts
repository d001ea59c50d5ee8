import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Message, PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-stand-in.js';
import { errorBodies } from '../support/github-stand-in-objects.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';
import { finding, ledgerRecords, provisionForTest, relayEnv } from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { spawnWorker, type WorkerProcess, waitUntil } from '../support/worker-process.js';

/**
 * The webhook URL and the GitHub token, set to sentinels, are driven through every path that can
 * carry text (success, Slack 500/400/410, GitHub 401/404/422/502, invalid input, dry-run), with the
 * worker as its own process at LOG_LEVEL=debug. Then every product output is scanned for them.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = `ghs_sentinel_${randomBytes(12).toString('hex')}`;

/** Everything the product wrote where a person or another system can read it, by place. */
const seen = {
  'log lines': [] as string[],
  'ledger and state files': [] as string[],
  'dead-letter messages': [] as string[],
  'status page': [] as string[],
  metrics: [] as string[],
  'outcomes API': [] as string[],
  'check --json': [] as string[],
  'check (text)': [] as string[],
  'crash output': [] as string[],
};
type Place = keyof typeof seen;

let pubsub: PubSub;
let slack: SlackStandIn;
let github: GitHubStandIn;
let gate: AuthGate;
let secrets: string[];
const workers: WorkerProcess[] = [];

/** A pass-through to the GitHub stand-in that can answer 401 Bad credentials instead. */
interface AuthGate {
  readonly url: string;
  rejectAll: boolean;
  close(): Promise<void>;
}

async function startAuthGate(upstream: string): Promise<AuthGate> {
  const state = { rejectAll: false };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (state.rejectAll) {
      res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' });
      return res.end(JSON.stringify(errorBodies.badCredentials()));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !['host', 'connection', 'content-length'].includes(k)) headers[k] = String(v);
    }
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const answer = await fetch(`${upstream}${req.url}`, { method: req.method ?? 'GET', headers, body });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!['content-encoding', 'transfer-encoding', 'content-length', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** `finding-relay check --json` as a process; its whole output. */
const runCheckJson = (env: Record<string, string | undefined>) =>
  runTsx(['src/main.ts', 'check', '--json'], env);

/** A TypeScript entry of this repository as a process; its whole output (stdout and stderr). */
function runTsx(args: readonly string[], env: Record<string, string | undefined>): Promise<string> {
  const [entry, ...rest] = args;
  const child = spawn(`${root}node_modules/.bin/tsx`, [`${root}${entry}`, ...rest], {
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  return new Promise((resolve) => child.once('exit', () => resolve(output)));
}

async function readTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'utf8')),
  );
}

/** A worker process on a free port, ready to pull; its HTTP answers are collected as it goes. */
async function startWorker(env: Record<string, string | undefined>) {
  const port = await freePort();
  const worker = spawnWorker({ ...env, PORT: String(port), LOG_LEVEL: 'debug' });
  workers.push(worker);
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`).catch(() => undefined);
    return res ? { status: res.status, text: await res.text() } : { status: 0, text: '' };
  };
  await waitUntil(async () => (await get('/readyz')).status === 200, 'the worker to be ready', 30_000).catch(
    (error: Error) => {
      throw new Error(`${error.message}; worker output:\n${worker.output().slice(-4_000)}`);
    },
  );
  /** Polls the outcomes API until the message is settled as wanted; keeps the answer. */
  const settled = async (
    key: string,
    wanted: (o: { settlement: string; channels: Record<string, { kind: string }> }) => boolean,
  ) => {
    let last = '';
    await waitUntil(
      async () => {
        const res = await get(`/api/outcomes/${encodeURIComponent(key)}`);
        last = res.text;
        return res.status === 200 && wanted(JSON.parse(res.text));
      },
      `outcome of ${key}`,
      30_000,
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}; last answer ${last}; worker output:\n${worker.output().slice(-4_000)}`,
      );
    });
    seen['outcomes API'].push(last);
  };
  const collectPages = async () => {
    seen['status page'].push((await get('/')).text);
    seen.metrics.push((await get('/metrics')).text);
  };
  /**
   * SIGTERM, then wait for the drain to finish ("stopped": every line is written). The process then
   * idles until its drain-bound timer fires (drainTimeoutMs, 8 s); a second signal skips that wait.
   */
  const stop = async () => {
    worker.kill('SIGTERM');
    await waitUntil(() => worker.output().includes('"message":"stopped"'), 'the worker to drain', 20_000);
    seen['log lines'].push(...worker.output().split('\n'));
    worker.kill('SIGTERM'); // by then the handler may be gone: the default action ends it (143)
    expect([0, 130, 143, 'SIGTERM']).toContain(await worker.exited);
  };
  return { settled, collectPages, stop };
}

beforeAll(async () => {
  pubsub = createTestPubSub();
  const names = uniqueNames('leak');
  await provisionForTest(pubsub, names, 5);
  slack = await startSlackStandIn();
  github = await startGitHubStandIn({ token: TOKEN, repos: ['acme/widgets'] });
  gate = await startAuthGate(github.url);
  const webhookPath = new URL(slack.url).pathname;
  const key = webhookPath.split('/').pop()!;
  // The key's first 16 characters too: an error that cuts the URL short must not show them.
  secrets = [slack.url, webhookPath, key, key.slice(0, 16), TOKEN];
  const storeDir = await mkdtemp(join(tmpdir(), 'relay-leak-'));
  const env = {
    ...relayEnv(names, storeDir),
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_WEBHOOK_URL: slack.url,
    SLACK_BATCH_WINDOW_MS: '50',
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: gate.url,
    GITHUB_REPO_ALLOWLIST: 'acme/*',
    GITHUB_WRITE_INTERVAL_MS: '0',
  };
  const topic = pubsub.topic(names.findingsTopic);
  const publish = (data: string | Buffer) =>
    topic.publishMessage({ data: Buffer.isBuffer(data) ? data : Buffer.from(data) });
  const publishFinding = async (over: Parameters<typeof finding>[0] = {}) => {
    const f = finding({
      title: `leak scan ${randomBytes(4).toString('hex')}`,
      repo: 'acme/widgets',
      ...over,
    });
    await publish(JSON.stringify(f));
    return f.id;
  };
  type Answer = { settlement: string; channels: Record<string, { kind: string }> };
  const kinds = (o: Answer) => Object.values(o.channels).map((c) => c.kind);
  // Acked once queued; final once each channel's dispatcher has finished it.
  const acked = (o: Answer) =>
    o.settlement === 'ack' && kinds(o).every((k) => k !== 'queued' && k !== 'transient');
  const deadLettered = (o: Answer) => o.settlement === 'dead-letter';
  // A permanent channel failure is dead-lettered by its dispatcher, after the ack.
  const permanent = (o: Answer) => kinds(o).includes('permanent');

  // Phase 1: Slack ENABLED, GitHub REAL; one path at a time so each fault meets its own finding.
  const real = await startWorker({ ...env, DRY_RUN: 'false' });
  await real.settled(await publishFinding(), acked);
  await real.settled(`message:${await publish('{"schemaVersion": 1, "id": ')}`, deadLettered);
  await real.settled(
    `message:${await publish(JSON.stringify({ ...finding(), sevrity: 'x' }))}`,
    deadLettered,
  );
  // The error body echoes the webhook URL cut short: the outcome's cause must not show its key.
  slack.setMode({ kind: 'fail-next', n: 2, status: 500, body: `rollup_error at ${slack.url.slice(0, -3)}` });
  await real.settled(await publishFinding(), acked);
  for (const [status, body] of [
    [400, 'invalid_payload'],
    [410, 'channel_is_archived'],
  ] as const) {
    slack.setMode({ kind: 'fail-next', n: 1, status, body });
    await real.settled(await publishFinding(), permanent);
  }
  github.setFault({ kind: 'status', status: 422, method: 'POST' });
  await real.settled(await publishFinding(), permanent);
  github.setFault({ kind: 'status', status: 502, method: 'POST', everyNth: 1_000 });
  await real.settled(await publishFinding(), acked);
  github.setFault({ kind: 'none' });
  await real.settled(await publishFinding({ repo: 'acme/missing' }), permanent);
  gate.rejectAll = true; // 401: transient, waits in the outbox (its cause is what is scanned)
  await real.settled(await publishFinding(), (o: Answer) => o.channels.github?.kind === 'transient');
  gate.rejectAll = false;
  await real.collectPages();
  await real.stop();

  // Phase 2: GitHub DRY_RUN with the token still set (unused): the ledger gets records.
  const dry = await startWorker({ ...env, DRY_RUN: 'true' });
  await dry.settled(await publishFinding(), acked);
  await dry.settled(`message:${await publish(Buffer.from([0x7b, 0xff]))}`, deadLettered);
  await dry.collectPages();
  await dry.stop();
  expect((await ledgerRecords(storeDir)).length).toBeGreaterThan(0);
  seen['ledger and state files'].push(...(await readTree(storeDir)));

  // Two invalid and two permanent-slack, 422 and 404 from GitHub, one invalid in phase 2 (the
  // 401 waits in the outbox instead: an operator problem is never dead-lettered).
  const letters: Message[] = await receiveMessages(pubsub, names.deadLetterSubscription, {
    count: 7,
    timeoutMs: 20_000,
  });
  seen['dead-letter messages'].push(
    ...letters.map((m) => `${JSON.stringify(m.attributes)}\n${m.data.toString('utf8')}`),
  );

  // check --json and check: the sentinels as set, in staging (unused token), and spelt invalidly
  // (in the webhook's query, the token with a space, GITHUB_API_URL's user info and query).
  const checkEnv = { ...env, DRY_RUN: 'false' };
  const invalidEnvs = [
    {
      ...checkEnv,
      SLACK_WEBHOOK_URL: `${slack.url}?token=${TOKEN}`,
      GITHUB_TOKEN: `${TOKEN} trailing`,
      GITHUB_API_URL: `https://x-access-token:${TOKEN}@ghe.example/api/v3`,
      DRY_RUN: 'maybe',
    },
    { ...checkEnv, GITHUB_API_URL: `https://api.github.com/?access_token=${TOKEN}` },
    { ...checkEnv, GITHUB_API_URL: `https://ghe.example/api/v3#${TOKEN}` },
  ];
  seen['check (text)'].push(
    ...(await Promise.all([checkEnv, ...invalidEnvs].map((e) => runTsx(['src/main.ts', 'check'], e)))),
  );
  seen['check --json'].push(...(await Promise.all(invalidEnvs.slice(1).map(runCheckJson))));
  // A crash (the last-resort handlers) with both secrets in the error.
  const crashEnv = { SLACK_WEBHOOK_URL: slack.url, GITHUB_TOKEN: TOKEN };
  seen['crash output'].push(
    ...(await Promise.all(
      ['rejection', 'exception'].map((kind) =>
        runTsx(['test/fixtures/crash-with-secret.ts', kind], crashEnv),
      ),
    )),
  );
  seen['check --json'].push(
    ...(await Promise.all([
      runCheckJson(checkEnv),
      runCheckJson({ ...checkEnv, DEPLOYMENT_ENV: 'staging', SLACK_ENABLE_STAGING: 'true' }),
      runCheckJson({
        ...checkEnv,
        SLACK_WEBHOOK_URL: `${slack.url}?token=${TOKEN}`,
        GITHUB_TOKEN: `${TOKEN} trailing`,
        GITHUB_API_URL: `https://x-access-token:${TOKEN}@ghe.example/api/v3`,
        DRY_RUN: 'maybe',
      }),
    ])),
  );
}, 120_000);

/** One line per (text, secret) found: the secrets are the webhook URL, its path, its last segment and the token. */
function leaksIn(texts: readonly string[]): string[] {
  return texts.flatMap((text, i) =>
    secrets.filter((s) => text.includes(s)).map((s) => `#${i} contains ${s}: ${text.slice(0, 300)}`),
  );
}

afterAll(async () => {
  // SIGTERM, never SIGKILL: tsx relays SIGTERM to the worker, while SIGKILL would orphan it.
  // A second SIGTERM makes a worker still draining exit at once.
  const running = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  for (const w of running) w.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1_000));
  for (const w of running) if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGTERM');
  await Promise.all(running.map((w) => w.exited));
  await Promise.all([slack?.close(), github?.close(), gate?.close()]);
  await pubsub?.close();
});

describe('secret-leak scan', () => {
  it('the worker really held both secrets: Slack and GitHub accepted them', () => {
    expect(slack.accepted.length).toBeGreaterThan(0);
    expect(github.issues('acme/widgets').length).toBeGreaterThan(0);
    expect(secrets.every((s) => s.length >= 16)).toBe(true);
  });

  it('the scan finds each sentinel form when it is there', () => {
    const webhookPath = new URL(slack.url).pathname;
    const planted = [
      `x ${TOKEN} y`,
      `"url":"${slack.url}"`,
      `POST ${webhookPath}`,
      `…/${webhookPath.split('/').pop()}`,
    ];
    expect(planted.map((text) => leaksIn([text]).length)).toEqual([1, 4, 3, 2]);
    expect(leaksIn([`cut ${slack.url.slice(0, -8)}…`])).toHaveLength(1);
  });

  it.each(Object.keys(seen) as Place[])('no sentinel in the %s', (place) => {
    const texts = seen[place];
    expect(texts.join('').length, `${place} is empty: the scan would pass vacuously`).toBeGreaterThan(100);
    expect(leaksIn(texts)).toEqual([]);
  });

  it('saw the failure paths it meant to drive', () => {
    expect(slack.received.map((r) => r.status).filter((s) => s !== 200)).toEqual([500, 500, 400, 410]);
    const githubStatuses = new Set(github.requests.map((r) => r.status));
    for (const status of [201, 404, 422, 502]) expect(githubStatuses).toContain(status);
    const logs = seen['log lines'].join('\n');
    for (const cause of [
      'slack 400 invalid_payload',
      'slack 410 channel_is_archived',
      '401 Bad credentials',
      '404 Not Found',
      '422 Validation Failed',
      '- 502 ',
    ]) {
      expect(logs, cause).toContain(cause);
    }
    expect(logs).toContain('"level":"debug"');
    const reasons = seen['dead-letter messages'].map(
      (m) => JSON.parse(m.split('\n')[0]!).finding_relay_reason,
    );
    expect(reasons.sort()).toEqual(
      [
        'invalid-json',
        'invalid-json',
        'invalid-schema',
        'permanent-github',
        'permanent-github',
        'permanent-slack',
        'permanent-slack',
      ].sort(),
    );
    const check = seen['check --json'].join('\n');
    expect(check).toContain('"configIssues"');
    expect(check).toMatch(/SLACK_WEBHOOK_URL: .*the value is not shown/);
    expect(check).toMatch(/GITHUB_TOKEN is set but unused/);
  });
});
