import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../lib/test-clock.js';
import { createMemoryRelayState } from '../state/memory-relay-state.js';
import type { Completion, EnqueueRequest, OutboxEntry } from '../state/relay-state.js';
import { type CycleHandler, startDispatcher } from './dispatcher.js';

const log = pino({ level: 'silent' });
const TARGET = 'slack:hook';
const request = (eventId: string): EnqueueRequest => ({
  eventId,
  channel: 'slack',
  target: TARGET,
  fingerprint: `fp-${eventId}`,
  priority: 0,
  payload: { n: eventId },
});
const sent = (entries: readonly OutboxEntry[]): Completion[] =>
  entries.map((e) => ({ eventId: e.eventId, channel: e.channel, kind: 'done', outcome: { kind: 'sent' } }));

function setup() {
  const { clock, advance } = manualClock(1_000_000);
  const state = createMemoryRelayState();
  const cycles: Array<{ holder: string; at: number; ids: string[] }> = [];
  const start = (holder: string, handle?: CycleHandler, extra: { readyInMs?: () => number } = {}) =>
    startDispatcher({
      ...extra,
      state,
      target: TARGET,
      holder,
      leaseMs: 6_000,
      batchSize: 100,
      intervalMs: 1_000,
      clock,
      log,
      handle:
        handle ??
        (async (entries) => {
          cycles.push({ holder, at: clock.now(), ids: entries.map((e) => e.eventId) });
          return sent(entries);
        }),
    });
  return { clock, advance, state, cycles, start };
}

describe('a leased dispatcher', () => {
  it('drains the outbox one cycle per interval, and only the lease holder takes entries', async () => {
    const { advance, state, cycles, start } = setup();
    const a = start('a');
    const b = start('b');
    await state.enqueue([request('1'), request('2')], 1_000_000);
    await advance(1_500);
    await state.enqueue([request('3')], 1_001_500);
    await advance(3_000);
    expect(cycles.map((c) => c.ids)).toEqual([['1', '2'], ['3']]);
    expect(new Set(cycles.map((c) => c.holder)).size).toBe(1);
    expect(cycles[1]!.at - cycles[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(await state.deliveries('3')).toMatchObject([{ state: 'done', outcome: { kind: 'sent' } }]);
    expect([a.leased(), b.leased()].filter(Boolean)).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('hands the target over at once on stop, and after a crashed holder within one lease', async () => {
    const { advance, state, cycles, start } = setup();
    // A holder that died: its lease is in the store, nobody renews it.
    await state.takeDue({ name: TARGET, holder: 'ghost', ttlMs: 6_000 }, TARGET, 0, 1_000_000);
    const a = start('a');
    await state.enqueue([request('1')], 1_000_000);
    await advance(5_000);
    expect(cycles).toEqual([]);
    await advance(3_000);
    expect(cycles.map((c) => [c.holder, c.ids])).toEqual([['a', ['1']]]);
    const b = start('b');
    await a.stop();
    await state.enqueue([request('2')], 1_008_000);
    await advance(3_000);
    expect(cycles.map((c) => [c.holder, c.ids])).toEqual([
      ['a', ['1']],
      ['b', ['2']],
    ]);
    await b.stop();
  });

  it('keeps its lease through a cycle longer than the lease, so no second worker sends the same entries', async () => {
    const { advance, state, start } = setup();
    let release!: () => void;
    const slow: CycleHandler = async (entries) => {
      await new Promise<void>((r) => {
        release = r;
      });
      return sent(entries);
    };
    const taken: string[] = [];
    const a = start('a', slow);
    await state.enqueue([request('1')], 1_000_000);
    await advance(1_100);
    const b = start('b', async (entries) => {
      taken.push(...entries.map((e) => e.eventId));
      return sent(entries);
    });
    await advance(20_000); // three lease periods while a's request hangs
    expect(taken).toEqual([]);
    release();
    await advance(100);
    expect(await state.deliveries('1')).toMatchObject([{ state: 'done' }]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a holder that loses its lease mid-cycle starts no new request while the new holder sends', async () => {
    const { clock, advance, state, start } = setup();
    const sends: Array<{ holder: string; id: string; at: number }> = [];
    // Sends its entries one a second, as the GitHub dispatcher does, and stops when told to.
    const oneASecond =
      (holder: string): CycleHandler =>
      async (entries, signal) => {
        const done: OutboxEntry[] = [];
        for (const e of entries) {
          if (signal.aborted) break;
          sends.push({ holder, id: e.eventId, at: clock.now() });
          done.push(e);
          await clock.sleep(1_000).catch(() => undefined);
        }
        return sent(done);
      };
    await state.enqueue(
      Array.from({ length: 10 }, (_, i) => request(String(i + 1))),
      1_000_000,
    );
    const a = start('a', oneASecond('a'));
    await advance(2_500);
    // a's lease is gone (its renewals failed past it, say) and b holds it now: b takes the
    // entries a has not recorded yet.
    await state.releaseLease(TARGET, 'a');
    const b = start('b', oneASecond('b'));
    await advance(1);
    const takenOver = clock.now();
    await advance(20_000);
    const aAfter = sends.filter((s) => s.holder === 'a' && s.at > takenOver);
    // a notices at its next renewal (a third of the lease) and finishes only what is in flight.
    expect(aAfter.length).toBeLessThanOrEqual(2);
    expect(sends.filter((s) => s.holder === 'b').length).toBeGreaterThan(0);
    expect(new Set(sends.map((s) => s.id)).size).toBe(10);
    expect(a.leased()).toBe(false);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a holder whose renewals fail for a whole lease starts no new request', async () => {
    const { clock, advance, state, start } = setup();
    const sends: number[] = [];
    await state.enqueue(
      Array.from({ length: 20 }, (_, i) => request(String(i + 1))),
      1_000_000,
    );
    const a = start('a', async (entries, signal) => {
      const done: OutboxEntry[] = [];
      for (const e of entries) {
        if (signal.aborted) break;
        sends.push(clock.now());
        done.push(e);
        await clock.sleep(1_000).catch(() => undefined);
      }
      return sent(done);
    });
    await advance(1_500);
    state.setUnavailable(true); // renewals fail from here on
    const down = clock.now();
    await advance(12_000);
    // The lease (6 s) ran out unrenewed by about 6 s after the last renewal: nothing new after it.
    expect(sends.filter((t) => t > down + 6_000 + 1_000)).toEqual([]);
    state.setUnavailable(false);
    await advance(30_000);
    expect(await state.deliveries('20')).toMatchObject([{ state: 'done' }]);
    await a.stop();
  });

  it('waits out a store outage before it reports a completion, and records it once the store answers', async () => {
    const { clock, advance, state } = setup();
    const completed: string[] = [];
    const a = startDispatcher({
      state,
      target: TARGET,
      holder: 'a',
      leaseMs: 6_000,
      batchSize: 100,
      intervalMs: 1_000,
      clock,
      log,
      // The side effect happens, then the store goes down before its completion is recorded.
      handle: async (entries) => {
        state.setUnavailable(true);
        return sent(entries);
      },
      onCompleted: (entry, c) => completed.push(`${entry.eventId}:${c.kind}`),
    });
    await state.enqueue([request('1')], 1_000_000);
    await advance(5_000);
    expect(completed).toEqual([]);
    state.setUnavailable(false);
    await advance(10_000);
    expect(completed).toEqual(['1:done']);
    expect(await state.deliveries('1')).toMatchObject([{ state: 'done' }]);
    await a.stop();
  });

  it('stops: the cycle in flight sees the abort, finishes, is recorded, and the lease is released', async () => {
    const { advance, state, start } = setup();
    let seenAborted = false;
    let release!: () => void;
    const a = start('a', async (entries, signal) => {
      await new Promise<void>((r) => {
        release = r;
      });
      seenAborted = signal.aborted;
      return sent(entries);
    });
    await state.enqueue([request('1')], 1_000_000);
    await advance(1_100);
    const stopping = a.stop();
    release();
    await advance(100);
    await stopping;
    expect(seenAborted).toBe(true);
    expect(await state.deliveries('1')).toMatchObject([{ state: 'done' }]);
    expect((await state.takeDue({ name: TARGET, holder: 'b', ttlMs: 1 }, TARGET, 0, 1_001_200)).leased).toBe(
      true,
    );
  });
});

describe('recording a big cycle', () => {
  it('records a digest of 600 entries in chunks of 250 (intake is not stalled by one huge transaction)', async () => {
    const { clock, advance } = manualClock(1_000_000);
    const inner = createMemoryRelayState();
    const sizes: number[] = [];
    const state = {
      ...inner,
      complete: (c: Parameters<typeof inner.complete>[0], now: number) => {
        sizes.push(c.length);
        return inner.complete(c, now);
      },
    };
    const reported: string[] = [];
    const d = startDispatcher({
      state,
      target: TARGET,
      holder: 'a',
      leaseMs: 6_000,
      batchSize: 10_000,
      intervalMs: 1_000,
      clock,
      log,
      handle: async (entries) => sent(entries),
      onCompleted: (entry) => reported.push(entry.eventId),
    });
    await inner.enqueue(
      Array.from({ length: 600 }, (_, i) => request(String(i))),
      1_000_000,
    );
    await advance(1_500);
    expect(sizes).toEqual([250, 250, 100]);
    expect(reported).toHaveLength(600);
    await d.stop();
  });
});

describe('waiting for the channel before taking', () => {
  it('takes entries only once the channel could send, so findings arriving meanwhile join that cycle', async () => {
    const { advance, state, cycles, start } = setup();
    const waits = [1_500]; // asked from the second cycle on (the first only takes the lease)
    const d = start('a', undefined, { readyInMs: () => waits.shift() ?? 0 });
    await state.enqueue([request('1')], 1_000_100);
    await advance(2_000);
    await state.enqueue([request('2')], 1_002_000);
    await advance(1_000);
    expect(cycles.map((c) => [c.at, c.ids])).toEqual([[1_002_500, ['1', '2']]]);
    await d.stop();
  });
});

describe('a long wait for the channel', () => {
  it('waits at most a third of its lease before taking (a long Retry-After is waited out in the cycle, renewing)', async () => {
    const { advance, state, cycles, start } = setup();
    const d = start('a', undefined, { readyInMs: () => 60_000 });
    await state.enqueue([request('1')], 1_000_000);
    await advance(3_100);
    expect(cycles.map((c) => [c.at, c.ids])).toEqual([[1_003_000, ['1']]]);
    await d.stop();
  });
});
