import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookSender } from '../../src/channels/slack/webhook-client.js';
import { systemClock } from '../../src/lib/clock.js';
import type { Attempt } from '../../src/lib/retry.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

let standIn: SlackStandIn;
beforeAll(async () => {
  standIn = await startSlackStandIn();
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => standIn.setMode({ kind: 'ok' }));

const payload = {
  text: '[DEV] one',
  blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'x' } }],
};

/** Every answer is scanned: the webhook URL and its secret token never appear in it. */
function expectNoSecret(value: unknown, url: string): void {
  const token = url.split('/').at(-1)!;
  const text = JSON.stringify(value, (_k, v) =>
    v instanceof Error ? `${v.name}: ${v.message} ${String(v.cause)}` : v,
  );
  expect(text).not.toContain(url);
  expect(text).not.toContain(token);
  expect(text).not.toContain(new URL(url).pathname);
}

async function sendWith(
  mode: Parameters<SlackStandIn['setMode']>[0],
  timeoutMs = 2_000,
): Promise<Attempt<void>> {
  standIn.setMode(mode);
  const result = await createWebhookSender({ webhookUrl: standIn.url, timeoutMs, clock: systemClock })(
    payload,
  );
  expectNoSecret(result, standIn.url);
  return result;
}

describe('createWebhookSender against the Slack stand-in', () => {
  it('200 ok is success, and the payload arrives with unfurling off', async () => {
    const before = standIn.accepted.length;
    expect(await sendWith({ kind: 'ok' })).toEqual({ ok: true, value: undefined });
    const last = standIn.accepted[before]!;
    expect(last.body).toMatchObject({ text: '[DEV] one', unfurl_links: false, unfurl_media: false });
    expect(last.headers['content-type']).toBe('application/json');
  });

  it.each([
    [400, 'invalid_payload'],
    [400, 'invalid_blocks'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('%d %s is permanent', async (status, body) => {
    expect(await sendWith({ kind: 'status', status, body })).toEqual({
      ok: false,
      transient: false,
      cause: `slack ${status} ${body}`,
    });
  });

  it('a wrong path is 404 no_service, permanent, and the cause names no URL', async () => {
    const wrong = `${standIn.origin}/services/T0/B0/wrongSecretToken1`;
    const result = await createWebhookSender({ webhookUrl: wrong, timeoutMs: 2_000, clock: systemClock })(
      payload,
    );
    expect(result).toEqual({ ok: false, transient: false, cause: 'slack 404 no_service' });
    expectNoSecret(result, wrong);
  });

  it('429 is transient with the Retry-After in ms', async () => {
    expect(await sendWith({ kind: '429', retryAfterS: 3 })).toEqual({
      ok: false,
      transient: true,
      cause: 'slack 429 rate_limited (retry after 3000 ms)',
      retryAfterMs: 3_000,
    });
  });

  it.each([500, 502, 503])('%d is transient', async (status) => {
    expect(await sendWith({ kind: 'status', status, body: 'rollup_error' })).toMatchObject({
      ok: false,
      transient: true,
    });
  });

  it('200 with another body is not success', async () => {
    expect(await sendWith({ kind: 'status', status: 200, body: '<html>proxy login</html>' })).toMatchObject({
      ok: false,
      transient: true,
    });
  });

  it('a hanging Slack times out as transient', async () => {
    expect(await sendWith({ kind: 'hang' }, 150)).toEqual({
      ok: false,
      transient: true,
      cause: 'slack request timed out after 150 ms',
    });
  });

  it('a refused connection is transient', async () => {
    const gone = await startSlackStandIn();
    const url = gone.url;
    await gone.close();
    const result = await createWebhookSender({ webhookUrl: url, timeoutMs: 2_000, clock: systemClock })(
      payload,
    );
    expect(result).toMatchObject({ ok: false, transient: true });
    expect(!result.ok && result.cause).toMatch(/ECONNREFUSED/);
    expectNoSecret(result, url);
  });

  it('an unparsable webhook URL fails without echoing it', async () => {
    const bad = 'http://[::1/services/T0/B0/unparsableSecret99';
    const result = await createWebhookSender({ webhookUrl: bad, timeoutMs: 2_000, clock: systemClock })(
      payload,
    );
    expect(result).toMatchObject({ ok: false, transient: true });
    expect(JSON.stringify(result)).not.toContain('unparsableSecret99');
  });
});
