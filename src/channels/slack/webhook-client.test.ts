import { describe, expect, it } from 'vitest';
import { classifySlackAnswer, parseRetryAfter, redactWebhookUrl } from './webhook-client.js';

const URL_ = 'https://hooks.slack.com/services/T0AAAA-fake/B0BBBB/s3cretT0kenValue';

describe('classifySlackAnswer', () => {
  it('only 200 `ok` is success', () => {
    expect(classifySlackAnswer(200, 'ok', undefined)).toEqual({ ok: true, value: undefined });
    expect(classifySlackAnswer(200, '<html>login</html>', undefined)).toMatchObject({
      ok: false,
      transient: true,
    });
    expect(classifySlackAnswer(204, '', undefined)).toMatchObject({ ok: false, transient: true });
  });

  it.each([
    [400, 'invalid_payload'],
    [400, 'invalid_blocks'],
    [400, 'no_text'],
    [400, 'too_many_attachments'],
    [403, 'action_prohibited'],
    [403, 'invalid_token'],
    [404, 'channel_not_found'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
    [413, ''],
  ])('%d %s is permanent', (status, body) => {
    const result = classifySlackAnswer(status, body, undefined);
    expect(result).toMatchObject({ ok: false, transient: false });
    expect(!result.ok && result.cause).toContain(String(status));
    if (body) expect(!result.ok && result.cause).toContain(body);
  });

  it.each([
    [500, 'rollup_error'],
    [502, '<html>bad gateway</html>'],
    [503, ''],
    [408, ''],
  ])('%d is transient', (status, body) => {
    expect(classifySlackAnswer(status, body, undefined)).toMatchObject({ ok: false, transient: true });
  });

  it('429 is transient and carries the retry-after', () => {
    expect(classifySlackAnswer(429, 'rate_limited', 3_000)).toEqual({
      ok: false,
      transient: true,
      cause: 'slack 429 rate_limited (retry after 3000 ms)',
      retryAfterMs: 3_000,
    });
    expect(classifySlackAnswer(429, '', undefined)).not.toHaveProperty('retryAfterMs');
  });

  it('keeps a long body out of the cause', () => {
    const result = classifySlackAnswer(500, 'x'.repeat(10_000), undefined);
    expect(!result.ok && result.cause.length).toBeLessThan(200);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', 0)).toBe(2_000);
    expect(parseRetryAfter(' 30 ', 0)).toBe(30_000);
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('', 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter('-1', 0)).toBeUndefined();
  });
});

describe('redactWebhookUrl', () => {
  it('removes the URL, its path and its token wherever they appear', () => {
    const text = `Failed to parse URL from ${URL_}; path /services/T0AAAA-fake/B0BBBB/s3cretT0kenValue; token s3cretT0kenValue`;
    const out = redactWebhookUrl(text, URL_);
    expect(out).not.toContain('s3cretT0kenValue');
    expect(out).not.toContain('/services/T0AAAA');
    expect(out).toContain('[REDACTED]');
  });

  it('removes a secret segment cut short (the one redactor: by its head)', () => {
    const cut = `fetch failed: ${URL_.slice(0, -4)}…`;
    const out = redactWebhookUrl(cut, URL_);
    expect(out).not.toContain('s3cretT0ken');
    expect(out).toContain('[REDACTED]');
  });

  it('treats a value that is not a URL as a secret as a whole', () => {
    expect(redactWebhookUrl('bad value: not a url at all', 'not a url')).toBe('bad value: [REDACTED] at all');
  });
});
