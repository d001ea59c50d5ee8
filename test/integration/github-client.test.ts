import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient, type GitHubClientOptions } from '../../src/channels/github/client.js';
import { markerFor } from '../../src/channels/github/marker.js';
import { createIssueRequest } from '../../src/channels/github/requests.js';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-stand-in.js';
import { manualClock, REPO } from './github-kit.js';

let gh: GitHubStandIn;
const logs: string[] = [];
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  expect(logs.join('\n')).not.toContain(gh.token);
  logs.length = 0;
  await gh.close();
});

async function setup(
  opts: Partial<GitHubClientOptions> = {},
  standIn: Parameters<typeof startGitHubStandIn>[0] = {},
) {
  gh = await startGitHubStandIn({ repos: [REPO], ...standIn });
  return createGitHubClient({
    baseUrl: gh.url,
    token: gh.token,
    clock: manualClock(),
    timeoutMs: 300,
    writeIntervalMs: 0,
    retryAfterBaseMs: 5,
    log: (level, message) => logs.push(`${level} ${message}`),
    ...opts,
  });
}

const signal = new AbortController().signal;
const create = (title: string, fp = title) =>
  createIssueRequest(REPO, { title, body: `${markerFor(fp)}\n\nbody`, labels: ['finding-relay'] });

describe('GitHub client against the stand-in', () => {
  it('sends a create exactly as built and reads issues back with their markers', async () => {
    const client = await setup();
    const sent = await client.send(create('first'), { signal });
    expect(sent).toEqual({
      ok: true,
      value: { status: 201, number: 1, htmlUrl: `${gh.url}/${REPO}/issues/1` },
    });
    const [request] = gh.requests;
    expect({ method: request!.method, path: request!.path, body: request!.body }).toEqual(create('first'));
    const got = await client.getIssue(REPO, 1, signal);
    expect(got).toMatchObject({ ok: true, value: { number: 1, state: 'open', fingerprint: 'first' } });
  });

  it('lists every labelled issue across pages (state=all, 100 per page)', async () => {
    const client = await setup();
    for (let i = 0; i < 230; i++) gh.seedIssue(REPO, create(`t${i}`).body as { title: string; body: string });
    gh.seedIssue(REPO, { title: 'unlabelled', body: 'x' });
    const listed = await client.listIssuesWithLabel(REPO, 'finding-relay', signal);
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    expect(listed.value.complete).toBe(true);
    expect(listed.value.issues).toHaveLength(230);
    expect(new Set(listed.value.issues.map((i) => i.fingerprint)).size).toBe(230);
    const pages = gh.requests.filter((r) => r.method === 'GET').map((r) => r.query.page ?? '1');
    expect(pages).toEqual(['1', '2', '3']);
    const capped = await (async () => {
      const small = createGitHubClient({
        baseUrl: gh.url,
        token: gh.token,
        clock: manualClock(),
        maxListPages: 2,
      });
      return small.listIssuesWithLabel(REPO, 'finding-relay', signal);
    })();
    expect(capped).toMatchObject({ ok: true, value: { complete: false } });
  });

  it('retries a read after a 502 but never a write, which may have landed', async () => {
    const client = await setup();
    gh.setFault({ kind: 'status', status: 502, everyNth: 2, method: 'GET' });
    expect((await client.listIssuesWithLabel(REPO, 'finding-relay', signal)).ok).toBe(true);
    expect(gh.requests.map((r) => r.status)).toEqual([502, 200]);
    gh.setFault({ kind: 'status', status: 502, method: 'POST' });
    const failed = await client.send(create('x'), { signal });
    expect(failed).toMatchObject({ ok: false, transient: true, status: 502, mayHaveSucceeded: true });
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('times out a create that never answers, saying it may have landed', async () => {
    const client = await setup();
    gh.setFault({ kind: 'timeout-after-create' });
    const result = await client.send(create('held'), { signal });
    expect(result).toMatchObject({ ok: false, transient: true, mayHaveSucceeded: true });
    expect(!result.ok && result.cause).toContain('timed out after 300 ms');
    expect(gh.issues(REPO)).toHaveLength(1);
  });

  it('waits in place on a short secondary limit and hands a long one back', async () => {
    const client = await setup();
    gh.setFault({ kind: 'secondary-limit', retryAfterS: 2 });
    expect((await client.send(create('a'), { signal })).ok).toBe(true);
    expect(gh.requests.map((r) => r.status)).toEqual([403, 201]);
    gh.setFault({ kind: 'secondary-limit', retryAfterS: 3600, forMs: 60_000 });
    const long = await client.send(create('b'), { signal });
    expect(long).toMatchObject({
      ok: false,
      transient: true,
      retryAfterMs: 3_600_000,
      mayHaveSucceeded: false,
    });
    expect(logs.some((l) => l.includes('not waiting'))).toBe(true);
  });

  it('bounds in-place waits for the primary rate limit', async () => {
    const client = await setup({}, { rateLimit: 1 });
    expect((await client.send(create('a'), { signal })).ok).toBe(true);
    const limited = await client.getIssue(REPO, 1, signal);
    expect(limited).toMatchObject({ ok: false, transient: true, status: 403 });
    expect((limited as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(60_000);
  });

  it('refuses to send a dry-run placeholder path and asks before sending', async () => {
    const client = await setup();
    await expect(
      client.send(
        { method: 'POST', path: `/repos/${REPO}/issues/{dry-run-issue}/comments`, body: {} },
        { signal },
      ),
    ).rejects.toThrow(TypeError);
    const declined = await client.send(create('x'), { signal, beforeSend: async () => false });
    expect(declined).toMatchObject({ ok: false, transient: true, mayHaveSucceeded: false });
    expect(gh.requests).toEqual([]);
  });

  it('keeps the token out of every cause, even for a wrong token or an unreachable server', async () => {
    const token = 'ghp_fake_thisTokenIsWrong0123456789abcdefABCD';
    const client = await setup({ token });
    const rejected = await client.send(create('x'), { signal });
    expect(rejected).toMatchObject({ ok: false, transient: true, status: 401 });
    const down = createGitHubClient({
      baseUrl: 'http://127.0.0.1:9',
      token,
      clock: manualClock(),
      readRetries: 0,
    });
    const unreachable = await down.getIssue(REPO, 1, signal);
    expect(unreachable).toMatchObject({ ok: false, transient: true, mayHaveSucceeded: true });
    expect(JSON.stringify([rejected, unreachable, logs])).not.toContain(token);
  });
});
