import { afterEach, describe, expect, it } from 'vitest';
import { type SlackStandIn, type SlackStandInOptions, startSlackStandIn } from './slack-stand-in.js';

let standIn: SlackStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(options?: SlackStandInOptions): Promise<SlackStandIn> {
  standIn = await startSlackStandIn(options);
  return standIn;
}

async function post(url: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('Slack webhook stand-in', () => {
  it('accepts a valid message with 200 `ok` and records it', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/T\w+\/B\w+\/\w{24}$/);
    const res = await post(s.url, { text: '[DEV] hi', blocks: [section('hello')] });
    expect(res).toMatchObject({ status: 200, body: 'ok' });
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(s.accepted).toHaveLength(1);
    expect(s.received[0]).toMatchObject({ method: 'POST', status: 200, body: { text: '[DEV] hi' } });
  });

  it('accepts the form-encoded `payload=` variant', async () => {
    const s = await start();
    const form = new URLSearchParams({ payload: JSON.stringify({ text: 'hi' }) }).toString();
    expect(await post(s.url, form, 'application/x-www-form-urlencoded')).toMatchObject({ status: 200 });
  });

  it.each([
    ['not JSON', '{oops', 400, 'invalid_payload'],
    ['a JSON array', [1, 2], 400, 'invalid_payload'],
    ['no text, blocks or attachments', {}, 400, 'no_text'],
    ['blank text only', { text: '   ' }, 400, 'no_text'],
    ['blocks not an array', { text: 'x', blocks: {} }, 400, 'invalid_blocks_format'],
    [
      '51 blocks',
      { text: 'x', blocks: Array.from({ length: 51 }, () => section('s')) },
      400,
      'invalid_blocks',
    ],
    ['section text over 3,000', { text: 'x', blocks: [section('s'.repeat(3_001))] }, 400, 'invalid_blocks'],
    ['empty section text', { text: 'x', blocks: [section('')] }, 400, 'invalid_blocks'],
    [
      'header over 150',
      { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] },
      400,
      'invalid_blocks',
    ],
    [
      'mrkdwn header',
      { text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] },
      400,
      'invalid_blocks',
    ],
    ['unknown block type', { text: 'x', blocks: [{ type: 'banner' }] }, 400, 'invalid_blocks'],
    [
      '101 attachments',
      { attachments: Array.from({ length: 101 }, () => ({ text: 'a' })) },
      400,
      'too_many_attachments',
    ],
  ])('refuses %s', async (_name, body, status, answer) => {
    const s = await start();
    expect(await post(s.url, body)).toMatchObject({ status, body: answer });
    expect(s.accepted).toHaveLength(0);
  });

  it('accepts and marks text over 40,000 chars as truncated, like Slack', async () => {
    const s = await start();
    expect(await post(s.url, { text: 'x'.repeat(40_001) })).toMatchObject({ status: 200, body: 'ok' });
    expect(s.accepted[0]?.truncated).toBe(true);
  });

  it('answers 404 `no_service` on another path and 405 on GET', async () => {
    const s = await start();
    expect(await post(`${s.origin}/services/T0/B0/wrong`, { text: 'x' })).toMatchObject({
      status: 404,
      body: 'no_service',
    });
    const get = await fetch(s.url);
    expect(get.status).toBe(405);
  });

  it('switches faults: status, 429 with Retry-After, fail-next then ok', async () => {
    const s = await start();
    s.setMode({ kind: 'status', status: 410, body: 'channel_is_archived' });
    expect(await post(s.url, { text: 'x' })).toMatchObject({ status: 410, body: 'channel_is_archived' });

    s.setMode({ kind: '429', retryAfterS: 7 });
    const limited = await post(s.url, { text: 'x' });
    expect(limited).toMatchObject({ status: 429, body: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBe('7');

    s.setMode({ kind: 'fail-next', n: 2, status: 500, body: 'rollup_error' });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await post(s.url, { text: `m${i}` })).status);
    expect(answers).toEqual([500, 500, 200]);
    expect(s.accepted.map((r) => (r.body as { text: string }).text)).toEqual(['m2']);
  });

  it('hangs when asked, and close() still returns', async () => {
    const s = await start();
    s.setMode({ kind: 'hang' });
    const outcome = await fetch(s.url, {
      method: 'POST',
      body: JSON.stringify({ text: 'x' }),
      signal: AbortSignal.timeout(100),
    }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(outcome).toBe('TimeoutError');
    expect(s.received[0]?.status).toBe(0);
  });

  it('rate-limits like Slack: a short burst, then 429 with Retry-After until a token is back', async () => {
    let now = 1_000_000;
    const s = await start({ now: () => now, rateLimit: { perSecond: 1, burst: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await post(s.url, { text: `m${i}` }));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[2]!.headers.get('retry-after')).toBe('1');
    now += 1_000;
    expect((await post(s.url, { text: 'later' })).status).toBe(200);
    expect(s.received.map((r) => r.at)).toEqual([1_000_000, 1_000_000, 1_000_000, 1_001_000]);
  });
});
