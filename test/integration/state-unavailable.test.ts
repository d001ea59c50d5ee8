import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { testFinding } from '../../src/finding/test-findings.js';
import { systemClock } from '../../src/lib/clock.js';
import { STORE_OUTAGE_WAIT_MS } from '../../src/lib/store-wait.js';
import { manualClock } from '../../src/lib/test-clock.js';
import { enqueueStage } from '../../src/pipeline/enqueue.js';
import { settlementFor } from '../../src/pipeline/settle.js';
import type { Envelope } from '../../src/pipeline/types.js';
import { createMemoryRelayState } from '../../src/state/memory-relay-state.js';

/**
 * The intake half with its state store down (docs/contract.md §4): a micro-batch waits a bounded time for
 * the store, and is enqueued (then acked as `queued`) if the store answers within it; otherwise
 * every channel is transient and the message is nacked, so Pub/Sub keeps it. Nothing is ever acked
 * without a durable outbox entry. (The same with real processes and a locked sqlite file:
 * test/faults/store-unavailable.test.ts.)
 */

const log = pino({ level: 'silent' });
const settings = {
  targets: { slack: 'slack:t', github: 'github:real:t' },
  windowMs: 60_000,
  outboxFull: async () => undefined,
};

function envelope(id: string): Envelope {
  const finding = testFinding({ id, repo: 'acme/api', fingerprint: `fp-${id}` });
  const message = {
    id: `m-${id}`,
    data: Buffer.from(JSON.stringify(finding)),
    attributes: {},
    publishTime: new Date(0),
    deliveryAttempt: 1,
    ack: () => undefined,
    nack: () => undefined,
  };
  return {
    message,
    finding,
    decisions: new Map([
      ['slack', { do: 'deliver' }],
      ['github', { do: 'deliver' }],
    ]),
    outcomes: new Map(),
  } as unknown as Envelope;
}

describe('intake while the state store is unavailable', () => {
  it('waits for a store that comes back within the bound, then queues (ack)', async () => {
    const state = createMemoryRelayState();
    state.setUnavailable(true);
    setTimeout(() => state.setUnavailable(false), 600);
    const stage = enqueueStage(state, settings);
    const started = Date.now();
    const [e] = await stage([envelope('a')], {
      clock: systemClock,
      log,
      signal: new AbortController().signal,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Object.fromEntries(e!.outcomes)).toEqual({
      slack: { kind: 'queued' },
      github: { kind: 'queued' },
    });
    expect(settlementFor(e!)).toEqual({ kind: 'ack' });
    expect((await state.deliveries('a')).map((d) => d.state)).toEqual(['queued', 'queued']);
  });

  it(`nacks after ${STORE_OUTAGE_WAIT_MS / 1000} s without a store, with nothing recorded`, async () => {
    const state = createMemoryRelayState();
    state.setUnavailable(true);
    const { clock, advance } = manualClock(1_000);
    const stage = enqueueStage(state, settings);
    let done = false;
    const result = stage([envelope('b')], { clock, log, signal: new AbortController().signal }).finally(
      () => {
        done = true;
      },
    );
    for (let waited = 0; waited < STORE_OUTAGE_WAIT_MS + 10_000 && !done; waited += 250) await advance(250);
    const [e] = await result;
    expect(e!.outcomes.get('slack')).toMatchObject({ kind: 'transient', cause: /state store unavailable/ });
    expect(settlementFor(e!).kind).toBe('nack');
    state.setUnavailable(false);
    expect(await state.deliveries('b')).toEqual([]);
  });

  it('a redelivery after the outage finds what the first delivery queued (no second entry)', async () => {
    const state = createMemoryRelayState();
    const stage = enqueueStage(state, settings);
    const ctx = { clock: systemClock, log, signal: new AbortController().signal };
    await stage([envelope('c')], ctx);
    const [again] = await stage([envelope('c')], ctx);
    expect(Object.fromEntries(again!.outcomes)).toEqual({
      slack: { kind: 'queued' },
      github: { kind: 'queued' },
    });
    expect(await state.deliveries('c')).toHaveLength(2);
  });
});
