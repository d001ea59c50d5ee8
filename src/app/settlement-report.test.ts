import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseFindingBytes } from '../finding/parse.js';
import { testFindingInput } from '../finding/test-findings.js';
import type { Clock } from '../lib/clock.js';
import { createLogger } from '../observability/logger.js';
import { RelayMetrics } from '../observability/metrics.js';
import { RecentOutcomes } from '../observability/recent-outcomes.js';
import { inboundMessage } from '../pipeline/test-envelope.js';
import type { Envelope } from '../pipeline/types.js';
import { describeSettlement, recordSettlement } from './settlement-report.js';

const clock: Clock = { now: () => 2_500, sleep: async () => undefined };

function setup() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const log = createLogger({ level: 'info', secrets: [], destination });
  return { lines, deps: { metrics: new RelayMetrics(), outcomes: new RecentOutcomes(), log, clock } };
}

function envelope(data: object | string): Envelope {
  const bytes = typeof data === 'string' ? data : JSON.stringify(data);
  const parsed = parseFindingBytes(Buffer.from(bytes));
  return {
    message: inboundMessage(bytes, { id: 'm-1', deliveryAttempt: 2 }),
    receivedAt: 0,
    ...(parsed.ok
      ? { finding: parsed.finding }
      : { invalid: { reason: parsed.reason, detail: parsed.detail } }),
    decisions: new Map(),
    outcomes: new Map(),
  };
}

const valid = testFindingInput({ id: 'f-1', source: { agent: 'scanner' } });

describe('recordSettlement', () => {
  it('logs one line per finding per channel with id, agent, channel, outcome, reason and latency', async () => {
    const { lines, deps } = setup();
    const e = envelope(valid);
    e.outcomes.set('slack', { kind: 'dropped', reason: 'mode-disabled' });
    e.outcomes.set('github', { kind: 'dry-run', ledgerKey: 'ledger/dev/x.jsonl' });
    recordSettlement(e, { kind: 'ack' }, deps);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      message: 'outcome',
      severity: 'INFO',
      findingId: 'f-1',
      agent: 'scanner',
      channel: 'slack',
      outcome: 'dropped',
      reason: 'mode-disabled',
      latencyMs: 2_500,
      deliveryAttempt: 2,
    });
    expect(lines[1]).toMatchObject({
      channel: 'github',
      outcome: 'dry-run',
      ledgerKey: 'ledger/dev/x.jsonl',
    });
    expect(await deps.metrics.total(deps.metrics.valid)).toBe(1);
    expect(await deps.metrics.total(deps.metrics.outcomes, (l) => l.reason === 'mode-disabled')).toBe(1);
    expect(deps.metrics.perMinute.series(clock.now()).at(-1)).toMatchObject({ done: 2, failed: 0 });
    expect(deps.outcomes.get('f-1')?.channels.github).toEqual({
      kind: 'dry-run',
      ledgerKey: 'ledger/dev/x.jsonl',
    });
  });

  it('names the route that decided a channel, in the log line and the one-line summary', () => {
    const { lines, deps } = setup();
    const e = envelope(valid);
    e.decisions.set('slack', { do: 'drop', reason: 'mode-disabled', route: 'licences' });
    e.outcomes.set('slack', { kind: 'dropped', reason: 'mode-disabled', route: 'licences' });
    e.decisions.set('github', { do: 'dry-run' });
    e.outcomes.set('github', { kind: 'queued' });
    recordSettlement(e, { kind: 'ack' }, deps);
    expect(lines[0]).toMatchObject({ channel: 'slack', route: 'licences' });
    expect(lines[1]).not.toHaveProperty('route');
    expect(describeSettlement(e, { kind: 'ack' })).toBe(
      'f-1: slack=dropped(mode-disabled route licences) github=queued → ack',
    );
  });

  it('logs a failure as a warning with its cause, and the nack that follows', () => {
    const { lines, deps } = setup();
    const e = envelope(valid);
    e.outcomes.set('slack', { kind: 'transient', cause: 'HTTP 503' });
    e.outcomes.set('github', { kind: 'dropped', reason: 'no-repo' });
    recordSettlement(e, { kind: 'nack', cause: 'slack: HTTP 503' }, deps);
    expect(lines.map((l) => l.severity)).toEqual(['WARNING', 'INFO', 'INFO']);
    expect(lines[0]).toMatchObject({ channel: 'slack', outcome: 'transient', cause: 'HTTP 503' });
    expect(lines[2]?.message).toBe('f-1: slack=transient github=dropped(no-repo) → nack');
  });

  it('counts an invalid message as invalid, not valid, and remembers it by message id', async () => {
    const { deps } = setup();
    recordSettlement(envelope('{oops'), { kind: 'dead-letter', reason: 'invalid-json', detail: 'bad' }, deps);
    expect(await deps.metrics.total(deps.metrics.valid)).toBe(0);
    expect(await deps.metrics.total(deps.metrics.invalid, (l) => l.reason === 'invalid-json')).toBe(1);
    expect(deps.outcomes.get('message:m-1')).toMatchObject({
      settlement: 'dead-letter',
      reason: 'invalid-json',
    });
  });
});

describe('outcome causes through the one redactor', () => {
  const webhook = 'https://hooks.slack.test/services/TSENTINEL/BSENTINEL/abcdefghijklmnopqrstuvwx';
  const token = 'sentinel-token-outcomecause-0123456789';

  it('stores no part of a secret a cause echoes, cut short or whole', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // The worker's logger: built from the same secrets as every other redaction.
    const log = createLogger({ level: 'info', secrets: [webhook, token], destination });
    const outcomes = new RecentOutcomes();
    const e = envelope(valid);
    e.outcomes.set('slack', {
      kind: 'transient',
      cause: `fetch failed for ${webhook.slice(0, -6)}… (connect ECONNREFUSED)`,
    });
    e.outcomes.set('github', {
      kind: 'permanent',
      reason: 'permanent-github',
      cause: `Bad creds ${token.slice(0, 20)}`,
    });
    recordSettlement(
      e,
      { kind: 'nack', cause: `store said ${token}` },
      { metrics: new RelayMetrics(), outcomes, log, clock },
    );
    const stored = JSON.stringify(outcomes.get('f-1'));
    for (const secret of ['abcdefghijklmnopq', token.slice(4, 20)]) {
      expect(stored).not.toContain(secret);
      expect(lines.join('')).not.toContain(secret);
    }
    expect(stored).toContain('[REDACTED]');
    expect(stored).toContain('ECONNREFUSED');
  });

  it('uses a redactor it is given, ahead of the logger', () => {
    const { deps } = setup();
    const e = envelope(valid);
    e.outcomes.set('slack', { kind: 'transient', cause: 'secret-value here' });
    recordSettlement(e, { kind: 'ack' }, { ...deps, redact: (t) => t.replace('secret-value', '[X]') });
    expect(deps.outcomes.get('f-1')?.channels.slack).toEqual({ kind: 'transient', cause: '[X] here' });
  });
});
