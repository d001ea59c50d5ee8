import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact.js';

const webhook = 'https://hooks.example.test/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx';
const token = 'ghp_fake_0123456789abcdefghijklmnopqrstuvwxyzAB';
const redact = createRedactor([webhook, token, undefined]);

describe('createRedactor', () => {
  it('replaces secrets, the webhook path and its long segments', () => {
    expect(redact(`POST ${webhook} failed`)).toBe('POST [REDACTED] failed');
    expect(redact('path /services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx')).toBe('path [REDACTED]');
    expect(redact('key abcdefghijklmnopqrstuvwx only')).toBe('key [REDACTED] only');
    expect(redact(`Authorization: token ${token}`)).toBe('Authorization: token [REDACTED]');
  });

  it('catches a secret cut short, as truncated details do', () => {
    expect(redact(`unknown field "${token.slice(0, 30)}…"`)).toBe('unknown field "[REDACTED]…"');
    expect(redact(`"${token.slice(0, 12)}"`)).toBe('"[REDACTED]"');
  });

  it('catches the key of a webhook URL cut short, but not the public head of the URL', () => {
    expect(redact(`${webhook.slice(0, 70)}…`)).toBe(
      'https://hooks.example.test/services/[REDACTED]/[REDACTED]/[REDACTED]…',
    );
    expect(redact('see https://hooks.example.test/services/ for setup')).toBe(
      'see https://hooks.example.test/services/ for setup',
    );
  });

  it('leaves text without secrets alone', () => {
    expect(redact('nothing to see: ghp_ and https://example.test')).toBe(
      'nothing to see: ghp_ and https://example.test',
    );
    expect(createRedactor([])('as is')).toBe('as is');
  });

  it('never lets a secret through, wherever it sits in a line', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom(webhook, token), (before, after, secret) => {
        const out = redact(`${before}${secret}${after}`);
        expect(out).not.toContain(secret);
        expect(out).not.toContain(secret.slice(0, 20));
      }),
    );
  });
});
