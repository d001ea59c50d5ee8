import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../lib/clock.js';
import { settlementFor, settleStage } from './settle.js';
import { inboundMessage } from './test-envelope.js';
import type { Envelope } from './types.js';

function envelope(outcomes: Envelope['outcomes'], invalid?: Envelope['invalid']): Envelope {
  return {
    message: inboundMessage('{}'),
    receivedAt: 0,
    decisions: new Map(),
    outcomes,
    ...(invalid ? { invalid } : {}),
  };
}

const ctx = { clock: systemClock, log: pino({ level: 'silent' }), signal: new AbortController().signal };

describe('settlementFor', () => {
  it('acks only when every channel is final', () => {
    expect(
      settlementFor(
        envelope(
          new Map([
            ['slack', { kind: 'sent' }],
            ['github', { kind: 'dropped', reason: 'no-repo' }],
          ]),
        ),
      ),
    ).toEqual({ kind: 'ack' });
    expect(settlementFor(envelope(new Map([['slack', { kind: 'sent' }]])))).toMatchObject({ kind: 'nack' });
  });

  it('nacks on a transient failure and dead-letters a permanent one, which wins', () => {
    const transient = envelope(
      new Map([
        ['slack', { kind: 'transient', cause: '503' }],
        ['github', { kind: 'sent' }],
      ]),
    );
    expect(settlementFor(transient)).toEqual({ kind: 'nack', cause: 'slack: 503' });
    const permanent = envelope(
      new Map([
        ['slack', { kind: 'transient', cause: '503' }],
        ['github', { kind: 'permanent', reason: 'permanent-github', cause: '404 Not Found' }],
      ]),
    );
    expect(settlementFor(permanent)).toEqual({
      kind: 'dead-letter',
      reason: 'permanent-github',
      detail: 'github: 404 Not Found',
    });
  });

  it('dead-letters invalid input with its reason', () => {
    expect(
      settlementFor(envelope(new Map(), { reason: 'invalid-json', detail: 'Unexpected token' })),
    ).toEqual({
      kind: 'dead-letter',
      reason: 'invalid-json',
      detail: 'Unexpected token',
    });
  });
});

describe('settleStage', () => {
  it('acks a dead letter only after its publish succeeded, and nacks when the publish fails', async () => {
    const ok = envelope(new Map(), { reason: 'invalid-schema', detail: 'x' });
    const failing = envelope(new Map(), { reason: 'invalid-schema', detail: 'y' });
    const published: string[] = [];
    const settled: string[] = [];
    const stage = settleStage(
      async (message, reason) => {
        if (message === failing.message) throw new Error('topic unavailable');
        published.push(reason);
      },
      (_e, s) => settled.push(s.kind),
    );
    await stage([ok, failing], ctx);
    expect(published).toEqual(['invalid-schema']);
    expect((ok.message as ReturnType<typeof inboundMessage>).settledAs).toEqual(['ack']);
    expect((failing.message as ReturnType<typeof inboundMessage>).settledAs).toEqual(['nack']);
    expect(settled.sort()).toEqual(['dead-letter', 'nack']);
  });

  it('redacts secrets from the dead-letter detail', async () => {
    const e = envelope(
      new Map([['slack', { kind: 'permanent', reason: 'permanent-slack', cause: 'post to SECRET failed' }]]),
    );
    let detail = '';
    await settleStage(
      async (_m, _r, d) => {
        detail = d;
      },
      () => undefined,
      (t) => t.replaceAll('SECRET', '[REDACTED]'),
    )([e], ctx);
    expect(detail).toBe('slack: post to [REDACTED] failed');
  });
});
