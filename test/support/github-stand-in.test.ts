import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubStandIn, startGitHubStandIn } from './github-stand-in.js';

let gh: GitHubStandIn;
beforeEach(async () => {
  gh = await startGitHubStandIn({ repos: ['acme/widgets'] });
});
afterEach(async () => {
  await gh.close();
});

async function call(method: string, path: string, body?: unknown, auth: string | null = `token ${gh.token}`) {
  const res = await fetch(`${gh.url}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, json: json as Record<string, unknown> };
}

const create = (body: unknown) => call('POST', '/repos/acme/widgets/issues', body);

describe('GitHub stand-in', () => {
  it('creates an issue with GitHub’s shape and rate-limit headers, and reports no violation', async () => {
    const res = await create({ title: 'Leak', body: 'details', labels: ['finding-relay', 'severity:high'] });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ number: 1, state: 'open', title: 'Leak', body: 'details' });
    expect(res.json.html_url).toBe(`${gh.url}/acme/widgets/issues/1`);
    expect((res.json.labels as Array<{ name: string }>).map((l) => l.name)).toEqual([
      'finding-relay',
      'severity:high',
    ]);
    expect(res.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4999');
    expect(res.headers.get('x-ratelimit-used')).toBe('1');
    expect(res.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const comment = await call('POST', '/repos/acme/widgets/issues/1/comments', { body: 'again' });
    expect(comment.status).toBe(201);
    expect(gh.comments('acme/widgets', 1).map((c) => c.body)).toEqual(['again']);
    expect((await call('GET', '/repos/acme/widgets/issues/1')).json).toMatchObject({
      number: 1,
      comments: 1,
    });
    expect(gh.violations).toEqual([]);
  });

  it('flags and refuses what the real API would reject', async () => {
    const missingTitle = await create({ body: 'no title' });
    expect(missingTitle.status).toBe(422);
    expect(missingTitle.json).toMatchObject({ message: expect.stringContaining('Invalid request') });
    expect(missingTitle.json.documentation_url).toEqual(expect.any(String));
    expect((await create({ title: 't', labels: 'bug' })).status).toBe(422);
    expect((await call('POST', '/repos/acme/widgets/issues/1/comments', { text: 'x' })).status).toBe(422);
    expect((await call('GET', '/repos/acme/widgets/issues?state=sideways')).status).toBe(422);
    expect((await call('GET', '/repos/acme/widgets/issues/abc')).status).toBe(422);
    expect((await create('{not json')).status).toBe(400);
    const long = await create({ title: 'x'.repeat(257) });
    expect(long.status).toBe(422);
    expect(long.json).toMatchObject({
      message: 'Validation Failed',
      errors: [{ field: 'title', code: 'custom' }],
    });
    expect((await create({ title: 't', body: 'b'.repeat(65_537) })).status).toBe(422);
    expect(gh.violations.map((v) => v.where)).toEqual([
      'body',
      'body',
      'body',
      'query',
      'path',
      'body',
      'limit',
      'limit',
    ]);
    expect(gh.violations[1]!.errors.join(' ')).toMatch(/labels must be array/);
    expect(gh.issues('acme/widgets')).toEqual([]);
  });

  it('flags unknown query parameters and routes the relay never uses', async () => {
    expect((await call('GET', '/repos/acme/widgets/issues?label=x')).status).toBe(200);
    expect((await call('GET', '/search/issues?q=x')).status).toBe(404);
    expect(gh.violations.map((v) => [v.where, v.errors[0]])).toEqual([
      ['query', "query has unknown parameter 'label'"],
      ['route', 'no operation GET /search/issues in the OpenAPI extract'],
    ]);
  });

  it('requires a token and answers 404 for unknown repos', async () => {
    expect(
      (await create({ title: 't' }).then(() => call('GET', '/repos/acme/widgets/issues', undefined, null)))
        .status,
    ).toBe(401);
    const bad = await call('GET', '/repos/acme/widgets/issues', undefined, 'Bearer wrong');
    expect(bad.status).toBe(401);
    expect(bad.json.message).toBe('Bad credentials');
    expect((await call('GET', '/repos/acme/widgets/issues', undefined, `Bearer ${gh.token}`)).status).toBe(
      200,
    );
    const missing = await call('POST', '/repos/acme/nothing/issues', { title: 't' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({
      message: 'Not Found',
      documentation_url: expect.stringContaining('docs.github.com'),
    });
  });

  it('filters by label and state and paginates with link headers', async () => {
    for (let i = 1; i <= 5; i++)
      await create({ title: `t${i}`, labels: i === 3 ? ['other'] : ['finding-relay'] });
    gh.closeIssue('acme/widgets', 1);
    const open = await call('GET', '/repos/acme/widgets/issues?labels=finding-relay');
    expect((open.json as unknown as Array<{ number: number }>).map((i) => i.number)).toEqual([5, 4, 2]);
    const page1 = await call('GET', '/repos/acme/widgets/issues?labels=finding-relay&state=all&per_page=2');
    expect((page1.json as unknown as Array<{ number: number }>).map((i) => i.number)).toEqual([5, 4]);
    const link = page1.headers.get('link')!;
    expect(link).toContain('rel="next"');
    expect(link).toContain('page=2');
    expect(link).toMatch(/page=2>; rel="last"/);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    const page2 = await call('GET', next.slice(gh.url.length));
    expect(
      (page2.json as unknown as Array<{ number: number; state: string }>).map((i) => [i.number, i.state]),
    ).toEqual([
      [2, 'open'],
      [1, 'closed'],
    ]);
    expect(page2.headers.get('link')).toContain('rel="prev"');
    expect(page2.headers.get('link')).not.toContain('rel="next"');
    expect(gh.violations).toEqual([]);
  });

  it('answers a secondary rate limit as GitHub does, then recovers', async () => {
    gh.setFault({ kind: 'secondary-limit', retryAfterS: 7 });
    const limited = await create({ title: 't' });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(String(limited.json.message)).toMatch(/^You have exceeded a secondary rate limit/);
    expect((await create({ title: 't' })).status).toBe(201);
  });

  it('fails every Nth matching request with the chosen status', async () => {
    gh.setFault({ kind: 'status', status: 502, everyNth: 2, method: 'POST' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await create({ title: `t${i}` })).status);
    expect((await call('GET', '/repos/acme/widgets/issues')).status).toBe(200);
    expect(statuses).toEqual([502, 201, 502, 201]);
    expect(gh.issues('acme/widgets')).toHaveLength(2);
  });

  it('creates but never answers under timeout-after-create', async () => {
    gh.setFault({ kind: 'timeout-after-create' });
    await expect(
      fetch(`${gh.url}/repos/acme/widgets/issues`, {
        method: 'POST',
        headers: { authorization: `token ${gh.token}` },
        body: JSON.stringify({ title: 'held' }),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(gh.issues('acme/widgets').map((i) => i.title)).toEqual(['held']);
    expect((await create({ title: 'answered' })).status).toBe(201);
  });
});
