import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.js';
import { createGitHubClient } from './client.js';
import { markerFor } from './marker.js';

const TOKEN = 'sentinel-token-pagination-0123456789';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server answering every GET with `issues` and `link`, remembering each request's headers. */
async function serve(answer: (path: string) => { issues: unknown[]; link?: string }) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const { issues, link } = answer(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json', ...(link ? { link } : {}) });
    res.end(JSON.stringify(issues));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const issue = (n: number) => ({ number: n, state: 'open', title: `t${n}`, body: markerFor(`fp${n}`) });
const signal = new AbortController().signal;

describe('listing issues across pages', () => {
  it('never follows a rel="next" link to another origin, so the token stays home', async () => {
    const foreign = await serve(() => ({ issues: [issue(9)] }));
    const github = await serve(() => ({
      issues: [issue(1)],
      link: `<${foreign.url}/repos/acme/widgets/issues?page=2>; rel="next"`,
    }));
    const client = createGitHubClient({
      baseUrl: github.url,
      token: TOKEN,
      clock: systemClock,
      writeIntervalMs: 0,
    });
    const listed = await client.listIssuesWithLabel('acme/widgets', 'finding-relay', signal);
    expect(foreign.seen).toEqual([]);
    expect(listed).toMatchObject({ ok: true, value: { complete: false } });
    if (listed.ok) expect(listed.value.issues.map((i) => i.number)).toEqual([1]);
  });

  it('follows same-origin links, absolute or relative', async () => {
    let origin = '';
    const github = await serve((path) =>
      path.includes('page=2')
        ? { issues: [issue(2)], link: '</repos/acme/widgets/issues?page=3>; rel="next"' }
        : path.includes('page=3')
          ? { issues: [issue(3)] }
          : { issues: [issue(1)], link: `<${origin}/repos/acme/widgets/issues?page=2>; rel="next"` },
    );
    origin = github.url;
    const client = createGitHubClient({
      baseUrl: github.url,
      token: TOKEN,
      clock: systemClock,
      writeIntervalMs: 0,
    });
    const listed = await client.listIssuesWithLabel('acme/widgets', 'finding-relay', signal);
    expect(listed).toMatchObject({ ok: true, value: { complete: true } });
    if (listed.ok) expect(listed.value.issues.map((i) => i.number)).toEqual([1, 2, 3]);
    expect(github.seen.map((r) => r.headers.authorization)).toEqual(Array(3).fill(`token ${TOKEN}`));
  });
});
