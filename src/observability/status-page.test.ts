import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { buildReadinessReport } from '../policy/readiness.js';
import type { OutcomeSummary } from './recent-outcomes.js';
import { describeOutcome, renderStatusPage } from './status-page.js';

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
