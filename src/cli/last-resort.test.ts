import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crashReport } from './last-resort.js';

const TOKEN = 'sentinel-token-crash-0123456789abcdef';
const WEBHOOK = 'https://hooks.slack.test/services/TCRASH/BCRASH/crashwebhooksecretvalue1';
const ROUTE = 'https://hooks.slack.test/services/TCRASH/BROUTE/routewebhooksecretvalue2';
const env = { GITHUB_TOKEN: TOKEN, SLACK_WEBHOOK_URL: WEBHOOK, SLACK_WEBHOOK_URL_SECURITY: ROUTE };
const SECRET_PARTS = [TOKEN.slice(4, 20), 'crashwebhooksecret', 'routewebhooksecret'];

describe('crashReport', () => {
  it('redacts secrets from the message and the stack, whole or cut short', () => {
    const error = new Error(`request to ${WEBHOOK} failed; auth ${TOKEN.slice(0, 24)}…; route ${ROUTE}`);
    const text = crashReport('uncaught exception', error, env);
    for (const part of SECRET_PARTS) expect(text).not.toContain(part);
    expect(text).toContain('finding-relay: uncaught exception: Error: request to');
    expect(text).toContain('[REDACTED]');
    expect(text).toMatch(/\n\s+at /); // the stack stays, redacted
  });

  it('never throws, whatever was thrown', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(crashReport('unhandled rejection', hostile, env)).toContain('unhandled rejection');
    expect(crashReport('x', `plain ${TOKEN}`, env)).not.toContain(TOKEN.slice(4));
  });
});

describe('the last-resort handlers in a process', () => {
  const script = fileURLToPath(new URL('../../test/fixtures/crash-with-secret.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

  it.each(['rejection', 'exception'])('an unhandled %s exits 1 and prints no secret', (kind) => {
    const r = spawnSync(tsx, [script, kind], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('finding-relay: unhandled');
    for (const part of SECRET_PARTS) expect(r.stderr + r.stdout).not.toContain(part);
  });
});
