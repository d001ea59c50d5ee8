import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, SANDBOX_HEALTH_PATH, startSandbox } from '../../docker/sandbox.js';

const TOKEN = 'sandbox-test-token';
let sandbox: RunningSandbox;
const lines: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    host: '127.0.0.1',
    slackPort: 0,
    githubPort: 0,
    githubToken: TOKEN,
    githubRepos: ['acme/web'],
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await sandbox.close();
});

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('docker/sandbox.ts: the compose sandbox', () => {
  it('answers its health path itself, without logging it', async () => {
    const before = lines.length;
    for (const base of [new URL(sandbox.slackWebhookUrl).origin, sandbox.githubApiUrl]) {
      const response = await fetch(`${base}${SANDBOX_HEALTH_PATH}`);
      expect(response.status).toBe(200);
    }
    expect(lines.length).toBe(before);
  });

  it("forwards the fixed webhook path to the Slack stand-in's secret path and prints the message", async () => {
    const response = await fetch(sandbox.slackWebhookUrl, json({ text: '[DEV] 2 findings\nsecond line' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(lines).toContain('[slack]  200 [DEV] 2 findings');
  });

  it('answers any other Slack path as Slack does: 404 no_service', async () => {
    const other = new URL('/services/T0/B0/wrong', sandbox.slackWebhookUrl);
    const response = await fetch(other, json({ text: 'x' }));
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('no_service');
  });

  it('passes GitHub requests through and prints issue writes', async () => {
    const auth = { authorization: `token ${TOKEN}`, accept: 'application/vnd.github+json' };
    const response = await fetch(
      `${sandbox.githubApiUrl}/repos/acme/web/issues`,
      json({ title: '[DEV] CVE-2026-1 in lib', body: 'details' }, auth),
    );
    expect(response.status).toBe(201);
    const issue = (await response.json()) as { number: number; title: string };
    expect(issue.title).toBe('[DEV] CVE-2026-1 in lib');
    expect(lines).toContain('[github] 201 POST /repos/acme/web/issues "[DEV] CVE-2026-1 in lib"');

    const listed = await fetch(`${sandbox.githubApiUrl}/repos/acme/web/issues?state=all`, { headers: auth });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as unknown[]).length).toBe(1);
  });

  it('refuses a wrong token and an unknown repository, and prints the failures', async () => {
    const wrongToken = await fetch(`${sandbox.githubApiUrl}/repos/acme/web/issues`, {
      headers: { authorization: 'token nope' },
    });
    expect(wrongToken.status).toBe(401);
    const unknownRepo = await fetch(
      `${sandbox.githubApiUrl}/repos/acme/missing/issues`,
      json({ title: 't' }, { authorization: `token ${TOKEN}` }),
    );
    expect(unknownRepo.status).toBe(404);
    expect(lines).toContain('[github] 401 GET /repos/acme/web/issues');
    expect(lines).toContain('[github] 404 POST /repos/acme/missing/issues "t"');
  });
});
