import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../lib/clock.js';
import { createLogger } from '../observability/logger.js';
import { RelayMetrics } from '../observability/metrics.js';
import { RecentOutcomes } from '../observability/recent-outcomes.js';
import type { OutboxEntry } from '../state/relay-state.js';
import { recordCompletion } from './completion-report.js';

const clock: Clock = { now: () => 120_000, sleep: async () => undefined };

function setup() {
  const destination = new Writable({ write: (_chunk, _enc, done) => done() });
  const log = createLogger({ level: 'info', secrets: [], destination });
  return { metrics: new RelayMetrics(), outcomes: new RecentOutcomes(), log, clock };
}

const entry = (eventId: string): OutboxEntry => ({
  eventId,
  channel: 'github',
  target: 'github:o/r',
  fingerprint: 'fp',
  priority: 0,
  payload: {},
  attempts: 0,
  enqueuedAt: 0,
});

describe('recordCompletion', () => {
  it('feeds the per-minute chart: finals as done, retries and dead letters as failed', async () => {
    const deps = setup();
    recordCompletion(
      entry('a'),
      { eventId: 'a', channel: 'github', kind: 'done', outcome: { kind: 'sent', detail: 'created o/r#1' } },
      deps,
    );
    recordCompletion(
      entry('b'),
      { eventId: 'b', channel: 'github', kind: 'retry', dueAt: 1, cause: 'HTTP 503' },
      deps,
    );
    expect(deps.metrics.perMinute.series(clock.now()).at(-1)).toEqual({
      minuteStart: 120_000,
      done: 1,
      failed: 1,
    });
    expect(await deps.metrics.total(deps.metrics.outcomes, (l) => l.outcome === 'sent')).toBe(1);
  });

  it('a silenced completion is counted with reason silenced and logged with the silence id', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write: (chunk, _enc, done) => {
        lines.push(String(chunk));
        done();
      },
    });
    const deps = { ...setup(), log: createLogger({ level: 'info', secrets: [], destination }) };
    const outcome = { kind: 'dropped', reason: 'silenced', silenceId: 's-42' } as const;
    recordCompletion(entry('c'), { eventId: 'c', channel: 'github', kind: 'done', outcome }, deps);
    expect(
      await deps.metrics.total(
        deps.metrics.outcomes,
        (l) => l.outcome === 'dropped' && l.reason === 'silenced',
      ),
    ).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ findingId: 'c', reason: 'silenced', silenceId: 's-42' });
  });
});
