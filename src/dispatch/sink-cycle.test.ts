import { describe, expect, it } from 'vitest';
import type { ChannelSink, DeliveryItem, Outcome } from '../channels/types.js';
import { testFinding } from '../finding/test-findings.js';
import { manualClock } from '../lib/test-clock.js';
import type { InboundMessage } from '../pipeline/types.js';
import { silenceRule } from '../policy/silence-decisions.js';
import type { OutboxEntry } from '../state/relay-state.js';
import { outboxChannelPart, outboxShared } from './outbox-payload.js';
import { retryDelayMs, sinkCycle } from './sink-cycle.js';

const SECRET = 'sentinel-secret-value';
const message = (id: string): InboundMessage => ({
  id: `msg-${id}`,
  data: Buffer.from(`{"raw":"${id}"}`),
  attributes: { agent: 'scanner' },
  deliveryAttempt: 1,
  publishTime: new Date(5_000),
  ack: () => undefined,
  nack: () => undefined,
});
const entry = (id: string, attempts = 0, payload?: unknown): OutboxEntry => ({
  eventId: id,
  channel: 'github',
  target: 'github:dry-run',
  fingerprint: `fp-${id}`,
  priority: 3,
  payload: payload ?? outboxChannelPart('deliver'),
  ...(payload === undefined
    ? { shared: outboxShared(testFinding({ id, title: `Finding ${id}`, repo: 'acme/api' }), message(id)) }
    : {}),
  attempts,
  enqueuedAt: 0,
});

function sinkAnswering(answer: (item: DeliveryItem) => Outcome): ChannelSink & { seen: DeliveryItem[][] } {
  const seen: DeliveryItem[][] = [];
  return {
    channel: 'github',
    seen,
    async deliver(items) {
      seen.push([...items]);
      return new Map(items.map((i) => [i, answer(i)]));
    },
  };
}

const redact = (text: string) => text.replaceAll(SECRET, '[REDACTED]');

describe('a dispatcher cycle through a channel sink', () => {
  it('hands every entry to the sink in one delivery and records final outcomes as done', async () => {
    const { clock } = manualClock(10_000);
    const sink = sinkAnswering((i) =>
      i.eventId === 'b' ? { kind: 'dropped', reason: 'duplicate' } : { kind: 'sent' },
    );
    const cycle = sinkCycle({ sink, clock, deadLetter: async () => undefined, redact });
    const completions = await cycle([entry('a'), entry('b')], new AbortController().signal);
    expect(sink.seen.map((batch) => batch.map((i) => [i.eventId, i.decision, i.finding.title]))).toEqual([
      [
        ['a', 'deliver', 'Finding a'],
        ['b', 'deliver', 'Finding b'],
      ],
    ]);
    expect(completions).toEqual([
      { eventId: 'a', channel: 'github', kind: 'done', outcome: { kind: 'sent' } },
      { eventId: 'b', channel: 'github', kind: 'done', outcome: { kind: 'dropped', reason: 'duplicate' } },
    ]);
  });

  it('retries a transient failure later, with backoff by attempts and a server retry-after honoured', async () => {
    const { clock } = manualClock(10_000);
    const sink = sinkAnswering((i) =>
      i.eventId === 'late'
        ? { kind: 'transient', cause: `503 from ${SECRET}`, retryAfterMs: 60_000 }
        : { kind: 'transient', cause: 'HTTP 502' },
    );
    const cycle = sinkCycle({ sink, clock, deadLetter: async () => undefined, redact });
    const completions = await cycle(
      [entry('first'), entry('third', 2), entry('late')],
      new AbortController().signal,
    );
    expect(completions).toEqual([
      { eventId: 'first', channel: 'github', kind: 'retry', dueAt: 11_000, cause: 'HTTP 502' },
      { eventId: 'third', channel: 'github', kind: 'retry', dueAt: 14_000, cause: 'HTTP 502' },
      { eventId: 'late', channel: 'github', kind: 'retry', dueAt: 70_000, cause: '503 from [REDACTED]' },
    ]);
    expect(retryDelayMs(30, undefined)).toBe(300_000);
  });

  it('dead-letters a permanent failure with the original bytes and attributes, then records it', async () => {
    const { clock } = manualClock(10_000);
    const letters: Array<{ id: string; data: string; attributes: object; reason: string; detail: string }> =
      [];
    const sink = sinkAnswering(() => ({
      kind: 'permanent',
      reason: 'permanent-github',
      cause: `422 for ${SECRET}`,
    }));
    const cycle = sinkCycle({
      sink,
      clock,
      redact,
      deadLetter: async (m, reason, detail) => {
        letters.push({ id: m.id, data: m.data.toString(), attributes: m.attributes, reason, detail });
      },
    });
    const [completion] = await cycle([entry('p')], new AbortController().signal);
    expect(letters).toEqual([
      {
        id: 'msg-p',
        data: '{"raw":"p"}',
        attributes: { agent: 'scanner' },
        reason: 'permanent-github',
        detail: 'github: 422 for [REDACTED]',
      },
    ]);
    expect(completion).toEqual({
      eventId: 'p',
      channel: 'github',
      kind: 'dead-lettered',
      reason: 'permanent-github',
      detail: 'github: 422 for [REDACTED]',
    });
  });

  it('keeps a permanent failure queued when its dead letter cannot be published (nothing lost)', async () => {
    const { clock } = manualClock(10_000);
    const sink = sinkAnswering(() => ({ kind: 'permanent', reason: 'permanent-github', cause: '410' }));
    const cycle = sinkCycle({
      sink,
      clock,
      redact,
      deadLetter: async () => {
        throw new Error(`publish failed: ${SECRET}`);
      },
    });
    const [completion] = await cycle([entry('p')], new AbortController().signal);
    expect(completion).toMatchObject({ kind: 'retry', dueAt: 11_000 });
    expect(JSON.stringify(completion)).not.toContain(SECRET);
  });

  it('turns a sink that throws into a retry for all, and an unreadable entry into a dead-lettered one', async () => {
    const { clock } = manualClock(10_000);
    const sink: ChannelSink = {
      channel: 'github',
      deliver: async () => {
        throw new Error(`socket hang up at ${SECRET}`);
      },
    };
    const cycle = sinkCycle({ sink, clock, deadLetter: async () => undefined, redact });
    const completions = await cycle([entry('x'), entry('bad', 0, { v: 99 })], new AbortController().signal);
    expect(completions).toEqual([
      {
        eventId: 'bad',
        channel: 'github',
        kind: 'dead-lettered',
        reason: 'unreadable-outbox-entry',
        detail: 'outbox entry has an unreadable payload',
      },
      {
        eventId: 'x',
        channel: 'github',
        kind: 'retry',
        dueAt: 11_000,
        cause: 'github failed: socket hang up at [REDACTED]',
      },
    ]);
  });

  it('completes an entry a silence covers as dropped (silenced) without handing it to the sink', async () => {
    const { clock } = manualClock(10_000);
    const sink = sinkAnswering(() => ({ kind: 'sent' }));
    const rules = [
      silenceRule({
        id: 'quiet',
        channel: 'github',
        startsAt: 0,
        endsAt: 20_000,
        matchers: [{ key: 'title', op: '=', value: 'Finding a' }],
      }),
      silenceRule({ id: 'slack-only', channel: 'slack', startsAt: 0, endsAt: 20_000, matchers: [] }),
    ];
    const cycle = sinkCycle({
      sink,
      clock,
      deadLetter: async () => undefined,
      redact,
      silences: () => rules,
    });
    const completions = await cycle([entry('a'), entry('b')], new AbortController().signal);
    expect(sink.seen.map((batch) => batch.map((i) => i.eventId))).toEqual([['b']]);
    expect(completions).toEqual([
      {
        eventId: 'a',
        channel: 'github',
        kind: 'done',
        outcome: { kind: 'dropped', reason: 'silenced', silenceId: 'quiet' },
      },
      { eventId: 'b', channel: 'github', kind: 'done', outcome: { kind: 'sent' } },
    ]);
    // Every entry silenced: the sink is not called at all.
    await cycle([entry('a')], new AbortController().signal);
    expect(sink.seen).toHaveLength(1);
  });
});
