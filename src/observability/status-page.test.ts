import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { buildReadinessReport } from '../policy/readiness.js';
import { OutcomesPerMinute } from './outcomes-per-minute.js';
import type { OutcomeSummary } from './recent-outcomes.js';
import { describeOutcome, githubWebRoot, issueUrl, renderStatusPage } from './status-page.js';

const report = buildReadinessReport(
  loadConfig(
    { DEPLOYMENT_ENV: 'dev', GITHUB_ISSUE_CREATION_ENABLED: 'true', STORAGE_URI: 'file:///tmp/relay' },
    { cwd: '/tmp' },
  ),
);

const hostile: OutcomeSummary = {
  findingId: 'xss-1',
  messageId: 'm1',
  agent: '<b>agent</b>',
  title: '<script>alert(1)</script> & <img src=x onerror="alert(2)">',
  severity: 'high',
  settlement: 'ack',
  channels: {
    slack: { kind: 'dropped', reason: 'mode-disabled' },
    github: { kind: 'dry-run', ledgerKey: 'ledger/dev/2026/11/26/a.jsonl' },
  },
  settledAt: '2026-11-26T10:00:00.000Z',
  deliveryAttempt: 1,
};

function page(overrides: Partial<Parameters<typeof renderStatusPage>[0]> = {}) {
  return renderStatusPage({
    report,
    startedAt: new Date('2026-11-26T09:00:00Z'),
    state: 'running',
    notReady: null,
    counters: [{ key: 'received', label: 'messages received', value: 7 }],
    deadLettered: { 'invalid-json': 2 },
    outcomes: [hostile],
    ledgerLocation: 'file:///tmp/relay/ledger/dev/',
    ...overrides,
  });
}

describe('status page', () => {
  it('escapes every piece of finding text', () => {
    const html = page();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>agent');
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=&quot;alert(2)&quot;&gt;',
    );
    expect(html.match(/<script/g)).toBeNull();
  });

  it('shows the modes with their reasons, the matrix, counters, dead letters and the ledger', () => {
    const html = page();
    expect(html).toContain('<strong id="environment">dev</strong>');
    expect(html).toMatch(/id="github-mode">DRY_RUN</);
    expect(html).toMatch(/id="slack-mode">DISABLED</);
    expect(html).toContain(report.github.reason);
    for (const env of ['dev', 'staging', 'prod']) expect(html).toContain(`data-env="${env}"`);
    expect(html).toContain('data-counter="received">7<');
    expect(html).toContain('data-dead-letter="invalid-json">2<');
    expect(html).toContain('Dead-lettered by this worker since start');
    expect(html).toContain('file:///tmp/relay/ledger/dev/');
    expect(html).toContain('dry-run → ledger/dev/2026/11/26/a.jsonl');
    expect(html).toContain('<span class="good" id="ready">ready</span>');
  });

  it('says why it is not ready, and "none" when nothing happened yet', () => {
    const html = page({ notReady: 'draining: not taking new messages', outcomes: [], deadLettered: {} });
    expect(html).toContain('not ready: draining: not taking new messages');
    expect(html).toContain('<p id="outcomes">none yet</p>');
    expect(html).toContain('<p id="dead-letters">none</p>');
  });

  it('describes each kind of outcome in a few words', () => {
    expect(describeOutcome(undefined)).toBe('—');
    expect(describeOutcome({ kind: 'sent' })).toBe('sent');
    expect(describeOutcome({ kind: 'dropped', reason: 'no-repo' })).toBe('dropped (no-repo)');
    expect(describeOutcome({ kind: 'transient', cause: 'HTTP 503' })).toBe('transient: HTTP 503');
    expect(describeOutcome({ kind: 'permanent', reason: 'permanent-slack', cause: 'no_service' })).toBe(
      'permanent (permanent-slack): no_service',
    );
  });
});

describe('status page: state and outbox', () => {
  it('shows the state backend and the outbox per channel, or says it is not known', () => {
    const html = page({
      outbox: [
        { channel: 'github', items: 12, oldestAgeS: 3.6 },
        { channel: 'slack', items: 0, oldestAgeS: 0 },
      ],
    });
    expect(html).toContain(
      '<tr data-outbox="github"><th>github</th><td class="num" data-label="waiting">12</td><td class="num" data-label="oldest">4 s</td></tr>',
    );
    expect(html).toMatch(/id="state-mode">sqlite</);
    expect(page({ outbox: undefined })).toContain('<p id="outbox">not known');
  });
});

describe('status page: refresh, issue links, dead letters by reason, outcomes per minute', () => {
  const sent = (detail: string): OutcomeSummary => ({
    ...hostile,
    findingId: `sent-${detail}`,
    channels: { github: { kind: 'sent', detail } },
  });

  it('reloads itself with a meta refresh and carries no script', () => {
    const html = page({ refreshSeconds: 20 });
    expect(html).toContain('<meta http-equiv="refresh" content="20">');
    expect(page()).toContain('<meta http-equiv="refresh" content="30">');
    expect(html.match(/<script/g)).toBeNull();
  });

  it('finds the web root of GitHub and of GitHub Enterprise Server', () => {
    expect(githubWebRoot('https://api.github.com')).toBe('https://github.com');
    expect(githubWebRoot('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(githubWebRoot('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
    expect(githubWebRoot('javascript:alert(1)')).toBeUndefined();
    expect(githubWebRoot('not a url')).toBeUndefined();
    expect(githubWebRoot(undefined)).toBeUndefined();
  });

  it('builds issue URLs only from an owner/repo#N the detail names', () => {
    const root = 'https://github.com';
    expect(issueUrl('created acme/web-app#12', root)).toBe('https://github.com/acme/web-app/issues/12');
    expect(issueUrl('commented on acme/a.b_c#7', root)).toBe('https://github.com/acme/a.b_c/issues/7');
    expect(issueUrl('created acme/web#12', undefined)).toBeUndefined();
    expect(issueUrl('created ../x#1', root)).toBeUndefined();
    expect(issueUrl('created acme/..#1', root)).toBeUndefined();
    expect(issueUrl('created acme/r"x#1', root)).toBeUndefined();
    expect(issueUrl('no reference here', root)).toBeUndefined();
  });

  it('links each GitHub sent outcome to its issue, escaped', () => {
    const html = page({
      outcomes: [sent('created acme/web-app#12'), sent('commented on acme/web-app#3 <b>x</b>')],
      githubWebRoot: 'https://ghe.example.com',
    });
    expect(html).toContain(
      '<a class="issue" href="https://ghe.example.com/acme/web-app/issues/12" rel="noopener noreferrer">sent: created acme/web-app#12</a>',
    );
    expect(html).toContain('href="https://ghe.example.com/acme/web-app/issues/3"');
    expect(html).toContain('sent: commented on acme/web-app#3 &lt;b&gt;x&lt;/b&gt;</a>');
    expect(html).not.toContain('<b>x');
    // Without a web root (or a reference) the outcome is plain text.
    expect(page({ outcomes: [sent('created acme/web-app#12')] })).not.toContain('<a ');
  });

  it('orders dead letters by count, most first, ties by name (as dlq stats)', () => {
    const html = page({ deadLettered: { stale: 1, 'invalid-json': 4, 'invalid-schema': 1 } });
    const order = [...html.matchAll(/data-dead-letter="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['invalid-json', 'invalid-schema', 'stale']);
  });

  it('draws outcomes per minute as an inline SVG with a bar group per minute', () => {
    const rate = new OutcomesPerMinute();
    const now = Date.UTC(2026, 11, 7, 12, 30, 10);
    for (let i = 0; i < 4; i++) rate.record(now, 'sent');
    rate.record(now - 60_000, 'permanent');
    rate.record(now - 60_000, 'dry-run');
    const html = page({ perMinute: rate.series(now) });
    expect(html.match(/<g data-minute=/g)).toHaveLength(60);
    expect(html).toContain('<g data-minute="2026-12-07T12:30:00.000Z" data-done="4" data-failed="0">');
    expect(html).toContain('<g data-minute="2026-12-07T12:29:00.000Z" data-done="1" data-failed="1">');
    expect(html).toContain('<title>12:29 UTC: 1 done, 1 failed</title>');
    expect(html).toContain('6 outcomes in the last 60 minutes (1 failed); busiest minute 4');
    expect(html).not.toMatch(/<script|xlink:href|<image|<use|https?:\/\/(?!github\.com)[^"]*"/);
    expect(page({ perMinute: undefined })).toContain('<p id="per-minute">not kept</p>');
  });

  it('lists active silences with matchers, author, reason and time left, escaped', () => {
    const html = page({
      silences: [
        {
          id: 's-1',
          matchers: ['agent=dep-scanner', 'title=~<b>.*'],
          author: 'ana',
          reason: 'noisy <rollout>',
          endsAt: '2026-12-07T14:00:00.000Z',
          leftMs: 90 * 60_000,
        },
      ],
    });
    expect(html).toContain('<tr data-silence="s-1">');
    expect(html).toContain('<code>agent=dep-scanner title=~&lt;b&gt;.*</code>');
    expect(html).toContain('slack+github');
    expect(html).toContain('noisy &lt;rollout&gt;');
    expect(html).toContain('>1h 30m</td>');
    expect(page({ silences: [] })).toContain('<p id="silences">none active</p>');
    expect(page()).toContain('<p id="silences">none (no state store)</p>');
  });
});
