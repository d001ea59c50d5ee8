/**
 * The RelayState contract as one test suite, run against every backend (memory, sqlite, later
 * firestore), so they cannot drift apart. Imported only by tests.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueRequest, RelayState, StateChannel } from './relay-state.js';
import { StoreUnavailableError } from './store.js';

export interface RelayStateUnderTest {
  readonly state: RelayState;
  /** Makes every call fail as an outage of this backend would (and back). */
  setUnavailable(on: boolean): void | Promise<void>;
}

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

export function request(eventId: string, over: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    eventId,
    channel: 'slack',
    target: 'slack:hook',
    fingerprint: `fp-${eventId}`,
    priority: 0,
    payload: { finding: { id: eventId }, note: 'ünï ✓' },
    ...over,
  };
}

const lease = (holder: string, name = 'slack:hook', ttlMs = 30_000) => ({ name, holder, ttlMs });

export function describeRelayStateContract(
  name: string,
  make: () => RelayStateUnderTest | Promise<RelayStateUnderTest>,
): void {
  describe(`RelayState contract: ${name}`, () => {
    let subject: RelayStateUnderTest;
    let state: RelayState;
    beforeEach(async () => {
      subject = await make();
      state = subject.state;
    });
    afterEach(async () => {
      await subject.setUnavailable(false);
      await state.close();
    });
    const take = async (target = 'slack:hook', now = T0, holder = 'w1', limit = 100) =>
      (await state.takeDue(lease(holder, target), target, limit, now)).entries.map((e) => e.eventId);

    it('enqueues each (event, channel) once; a second enqueue is `already` with its state', async () => {
      const first = await state.enqueue(
        [request('e1'), request('e1', { channel: 'github', target: 'github:t' }), request('e1')],
        T0,
      );
      expect(first).toEqual([
        { status: 'queued' },
        { status: 'queued' },
        { status: 'already', state: 'queued' },
      ]);
      expect(await state.enqueue([request('e1')], T0 + 1)).toEqual([{ status: 'already', state: 'queued' }]);
      await state.complete(
        [{ eventId: 'e1', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
        T0 + 2,
      );
      expect(await state.enqueue([request('e1', { payload: 'other' })], T0 + 3)).toEqual([
        { status: 'already', state: 'done', outcome: { kind: 'sent' } },
      ]);
      const [entry] = (await state.takeDue(lease('w1', 'github:t'), 'github:t', 10, T0)).entries;
      expect(entry).toEqual({
        eventId: 'e1',
        channel: 'github',
        target: 'github:t',
        fingerprint: 'fp-e1',
        priority: 0,
        payload: { finding: { id: 'e1' }, note: 'ünï ✓' },
        attempts: 0,
        enqueuedAt: T0,
      });
    });

    it("returns an event's shared value with each of its channels, also after one is final", async () => {
      const shared = { finding: { id: 'e1', title: 'ünï ✓' }, message: { data: 'eyJ9' } };
      const github = { channel: 'github', target: 'github:t' } as const;
      expect(
        await state.enqueue(
          [
            request('e1', { payload: { d: 'slack' }, shared }),
            request('e1', { ...github, payload: { d: 'github' }, shared }),
            request('e2', { payload: { d: 'slack' } }),
          ],
          T0,
        ),
      ).toEqual([{ status: 'queued' }, { status: 'queued' }, { status: 'queued' }]);
      const slack = (await state.takeDue(lease('w1'), 'slack:hook', 10, T0)).entries;
      expect(slack.map((e) => [e.eventId, e.payload, e.shared])).toEqual([
        ['e1', { d: 'slack' }, shared],
        ['e2', { d: 'slack' }, undefined],
      ]);
      await state.complete(
        [{ eventId: 'e1', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
        T0 + 1,
      );
      const takeGithub = async (now: number) =>
        (await state.takeDue(lease('w1', 'github:t'), 'github:t', 10, now)).entries.map((e) => [
          e.payload,
          e.shared,
        ]);
      expect(await takeGithub(T0 + 1)).toEqual([[{ d: 'github' }, shared]]);
      // Dead-lettered, then replayed (`dlq replay`): queued afresh, the shared value given again.
      await state.complete(
        [
          {
            eventId: 'e1',
            channel: 'github',
            kind: 'dead-lettered',
            reason: 'permanent-github',
            detail: 'x',
          },
        ],
        T0 + 2,
      );
      expect(await takeGithub(T0 + 2)).toEqual([]);
      expect(
        await state.enqueue([request('e1', { ...github, payload: { d: 'again' }, shared })], T0 + 3),
      ).toEqual([{ status: 'queued' }]);
      expect(await takeGithub(T0 + 3)).toEqual([[{ d: 'again' }, shared]]);
    });

    it('drops another event within a fingerprint window as a counted duplicate, and reopens after it', async () => {
      const windowed = (id: string, channel: StateChannel = 'slack') =>
        request(id, {
          channel,
          target: `${channel}:hook`,
          fingerprint: 'fp',
          window: { scope: `${channel}:hook`, windowMs: HOUR },
        });
      expect(await state.enqueue([windowed('a')], T0)).toEqual([{ status: 'queued' }]);
      expect(await state.enqueue([windowed('b'), windowed('c')], T0 + 10)).toEqual([
        { status: 'duplicate', since: T0, count: 2 },
        { status: 'duplicate', since: T0, count: 3 },
      ]);
      expect(await state.enqueue([windowed('a'), windowed('b')], T0 + 20)).toEqual([
        { status: 'already', state: 'queued' },
        { status: 'already', state: 'done', outcome: { kind: 'dropped', reason: 'duplicate' } },
      ]);
      // Another scope (channel) has its own window; the same event in it is not its own duplicate.
      expect(await state.enqueue([windowed('b', 'github')], T0 + 30)).toEqual([{ status: 'queued' }]);
      expect(await state.enqueue([windowed('d')], T0 + HOUR)).toEqual([{ status: 'queued' }]);
      expect(await state.enqueue([windowed('e')], T0 + HOUR + 5)).toEqual([
        { status: 'duplicate', since: T0 + HOUR, count: 2 },
      ]);
      expect(await state.deliveries('c')).toEqual([
        {
          channel: 'slack',
          state: 'done',
          outcome: { kind: 'dropped', reason: 'duplicate' },
          attempts: 0,
          finishedAt: T0 + 10,
        },
      ]);
      expect(await take('slack:hook', T0 + HOUR)).toEqual(['a', 'd']);
    });

    it('hands out entries of one target by priority, then age, then enqueue order, only when due', async () => {
      await state.enqueue([request('low-old', { priority: 1 }), request('mid-1', { priority: 2 })], T0);
      await state.enqueue(
        [
          request('high', { priority: 5 }),
          request('mid-2', { priority: 2 }),
          request('mid-3', { priority: 2 }),
          request('elsewhere', { target: 'slack:other', priority: 9 }),
        ],
        T0 + 1,
      );
      await state.enqueue([request('future', { priority: 9 })], T0 + 50);
      expect(await take('slack:hook', T0 + 1)).toEqual(['high', 'mid-1', 'mid-2', 'mid-3', 'low-old']);
      expect(await take('slack:hook', T0 + 50, 'w1', 3)).toEqual(['future', 'high', 'mid-1']);
      expect(await take('slack:other', T0 + 50)).toEqual(['elsewhere']);
      expect(await take('slack:hook', T0 + 50, 'w1', 0)).toEqual([]);
    });

    it('gives a lease to one holder at a time until it expires; renewing keeps it', async () => {
      await state.enqueue([request('e1')], T0);
      expect(await state.takeDue(lease('a', 'L', 1000), 'slack:hook', 10, T0)).toMatchObject({
        leased: true,
      });
      expect(await state.takeDue(lease('b', 'L', 1000), 'slack:hook', 10, T0 + 999)).toEqual({
        leased: false,
        entries: [],
      });
      // Renewed at T0 + 900: now held until T0 + 1900.
      expect((await state.takeDue(lease('a', 'L', 1000), 'slack:hook', 10, T0 + 900)).leased).toBe(true);
      expect((await state.takeDue(lease('b', 'L', 1000), 'slack:hook', 10, T0 + 1899)).leased).toBe(false);
      const takeover = await state.takeDue(lease('b', 'L', 1000), 'slack:hook', 10, T0 + 1900);
      expect(takeover.leased).toBe(true);
      expect(takeover.entries.map((e) => e.eventId)).toEqual(['e1']);
      expect((await state.takeDue(lease('a', 'L', 1000), 'slack:hook', 10, T0 + 1901)).leased).toBe(false);
      // Releasing: only the holder can, and then anyone takes it at once.
      await state.releaseLease('L', 'a');
      expect((await state.takeDue(lease('a', 'L', 1000), 'slack:hook', 10, T0 + 1902)).leased).toBe(false);
      await state.releaseLease('L', 'b');
      expect((await state.takeDue(lease('a', 'L', 1000), 'slack:hook', 10, T0 + 1903)).leased).toBe(true);
      // Leases are per name: another name is free.
      expect((await state.takeDue(lease('b', 'M', 1000), 'slack:hook', 10, T0 + 1903)).leased).toBe(true);
    });

    it('retries later, counts attempts, and keeps done and dead-lettered entries final', async () => {
      await state.enqueue([request('r'), request('d'), request('x')], T0);
      await state.complete(
        [
          { eventId: 'r', channel: 'slack', kind: 'retry', dueAt: T0 + 5000, cause: 'HTTP 503' },
          { eventId: 'd', channel: 'slack', kind: 'done', outcome: { kind: 'sent', ts: 1 } },
          {
            eventId: 'x',
            channel: 'slack',
            kind: 'dead-lettered',
            reason: 'permanent-slack',
            detail: 'no_service',
          },
          { eventId: 'unknown', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } },
        ],
        T0 + 100,
      );
      expect(await take('slack:hook', T0 + 4999)).toEqual([]);
      const [again] = (await state.takeDue(lease('w1'), 'slack:hook', 10, T0 + 5000)).entries;
      expect(again).toMatchObject({ eventId: 'r', attempts: 1, enqueuedAt: T0 });
      expect(await state.deliveries('r')).toEqual([
        { channel: 'slack', state: 'queued', cause: 'HTTP 503', attempts: 1 },
      ]);
      // Completing a final entry again (a slow duplicate dispatcher) changes nothing.
      await state.complete(
        [
          { eventId: 'd', channel: 'slack', kind: 'retry', dueAt: T0, cause: 'late' },
          { eventId: 'x', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } },
        ],
        T0 + 200,
      );
      expect(await state.deliveries('d')).toEqual([
        {
          channel: 'slack',
          state: 'done',
          outcome: { kind: 'sent', ts: 1 },
          attempts: 1,
          finishedAt: T0 + 100,
        },
      ]);
      expect(await state.deliveries('x')).toEqual([
        {
          channel: 'slack',
          state: 'dead-lettered',
          outcome: { kind: 'dead-lettered', reason: 'permanent-slack', detail: 'no_service' },
          cause: 'no_service',
          attempts: 1,
          finishedAt: T0 + 100,
        },
      ]);
      expect(await take('slack:hook', T0 + 9999)).toEqual(['r']);
      // `dlq replay` publishes a dead-lettered event again: it is queued afresh, not `already`.
      expect(await state.enqueue([request('x'), request('d')], T0 + 10_000)).toEqual([
        { status: 'queued' },
        { status: 'already', state: 'done', outcome: { kind: 'sent', ts: 1 } },
      ]);
      expect(await take('slack:hook', T0 + 10_000)).toEqual(['r', 'x']);
    });

    it('reports the deliveries of an event per channel, and none for an unknown one', async () => {
      await state.enqueue([request('e', { channel: 'slack' }), request('e', { channel: 'github' })], T0);
      expect(await state.deliveries('e')).toEqual([
        { channel: 'github', state: 'queued', attempts: 0 },
        { channel: 'slack', state: 'queued', attempts: 0 },
      ]);
      expect(await state.deliveries('nope')).toEqual([]);
    });

    it('counts queued entries and their oldest per channel', async () => {
      expect(await state.outboxStats()).toEqual([
        { channel: 'github', items: 0, oldestEnqueuedAt: undefined },
        { channel: 'slack', items: 0, oldestEnqueuedAt: undefined },
      ]);
      await state.enqueue([request('s1'), request('g1', { channel: 'github', target: 'github:t' })], T0);
      await state.enqueue([request('s2'), request('s3')], T0 + 10);
      await state.complete(
        [{ eventId: 's1', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
        T0 + 20,
      );
      expect(await state.outboxStats()).toEqual([
        { channel: 'github', items: 1, oldestEnqueuedAt: T0 },
        { channel: 'slack', items: 2, oldestEnqueuedAt: T0 + 10 },
      ]);
    });

    it('expires final deliveries, passed windows and old leases, never a queued entry', async () => {
      const windowed = (id: string) =>
        request(id, { fingerprint: 'fp', window: { scope: 's', windowMs: HOUR } });
      await state.enqueue([windowed('old-queued'), request('old-done'), request('recent-done')], T0);
      await state.complete(
        [{ eventId: 'old-done', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
        T0,
      );
      await state.complete(
        [{ eventId: 'recent-done', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
        T0 + 5 * HOUR,
      );
      await state.takeDue(lease('w', 'old-lease', 1000), 'none', 1, T0);
      await state.takeDue(lease('w', 'live-lease', 10 * HOUR), 'none', 1, T0);

      expect(await state.expire(T0 + 6 * HOUR, 2 * HOUR)).toBe(3); // old-done, the window, old-lease
      expect(await state.deliveries('old-done')).toEqual([]);
      expect(await state.deliveries('recent-done')).toMatchObject([{ state: 'done' }]);
      expect(await state.deliveries('old-queued')).toMatchObject([{ state: 'queued' }]);
      expect((await state.takeDue(lease('x', 'live-lease'), 'none', 1, T0 + 6 * HOUR)).leased).toBe(false);
      expect((await state.takeDue(lease('x', 'old-lease'), 'none', 1, T0 + 6 * HOUR)).leased).toBe(true);
      expect(await state.expire(T0 + 6 * HOUR, 2 * HOUR)).toBe(0);
      expect(await state.enqueue([windowed('new')], T0 + 6 * HOUR)).toEqual([{ status: 'queued' }]);
    });

    it('fails every call with StoreUnavailableError while unavailable, and keeps its data', async () => {
      await state.enqueue([request('kept')], T0);
      await state.kv.createIfAbsent('k/one', 'v');
      await subject.setUnavailable(true);
      const calls: (() => Promise<unknown>)[] = [
        () => state.enqueue([request('lost')], T0),
        () => state.takeDue(lease('w'), 'slack:hook', 1, T0),
        () =>
          state.complete(
            [{ eventId: 'kept', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
            T0,
          ),
        () => state.releaseLease('slack:hook', 'w'),
        () => state.deliveries('kept'),
        () => state.outboxStats(),
        () => state.expire(T0, 0),
        () => state.kv.read('k/one'),
        () => state.kv.createIfAbsent('k/two', 'v'),
      ];
      for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
      await subject.setUnavailable(false);
      expect(await state.deliveries('kept')).toEqual([{ channel: 'slack', state: 'queued', attempts: 0 }]);
      expect(await state.deliveries('lost')).toEqual([]);
      expect((await state.kv.read('k/one'))?.data.toString()).toBe('v');
    });

    it('answers windowed enqueues like a simple model of the window, for any arrivals', async () => {
      const W = 1000;
      const arrivals = fc.array(
        fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 1, W / 2, W - 1, W, 3 * W)),
        { minLength: 1, maxLength: 30 },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(arrivals, async (sequence) => {
          run++;
          let now = T0;
          let window: { since: number; count: number; eventId: string } | undefined;
          const seen = new Map<string, 'queued' | 'duplicate'>();
          for (const [n, dt] of sequence) {
            now += dt;
            const eventId = `${run}-w${n}`;
            const fingerprint = `fp-${run}`;
            const [got] = await state.enqueue(
              [request(eventId, { fingerprint, window: { scope: 'slack:hook', windowMs: W } })],
              now,
            );
            const before = seen.get(eventId);
            if (before === 'queued') expect(got).toEqual({ status: 'already', state: 'queued' });
            else if (before === 'duplicate') expect(got).toMatchObject({ status: 'already', state: 'done' });
            else if (window && window.eventId !== eventId && now - window.since < W) {
              window.count++;
              seen.set(eventId, 'duplicate');
              expect(got).toEqual({ status: 'duplicate', since: window.since, count: window.count });
            } else {
              window = { since: now, count: 1, eventId };
              seen.set(eventId, 'queued');
              expect(got).toEqual({ status: 'queued' });
            }
          }
        }),
        { numRuns: 40 },
      );
    });

    it('queues each key exactly once under any interleaving of concurrent batches', async () => {
      const batches = fc.array(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.constantFrom<StateChannel>('slack', 'github')), {
          maxLength: 12,
        }),
        { minLength: 1, maxLength: 6 },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batches, fc.scheduler(), async (sequence, scheduler) => {
          run++;
          const keyOf = ([n, channel]: [number, StateChannel]) => `${run}-e${n}/${channel}`;
          // The scheduler starts the batches in a random order, each while the others are in flight.
          const pending = sequence.map(async (batch) => {
            await scheduler.schedule(Promise.resolve());
            const requests = batch.map(([n, channel]) => request(`${run}-e${n}`, { channel }));
            return (await state.enqueue(requests, T0)).map((r, i) => [keyOf(batch[i]!), r.status] as const);
          });
          await scheduler.waitAll();
          const results = await Promise.all(pending);
          const queued = new Map<string, number>();
          for (const [key, status] of results.flat()) {
            expect(['queued', 'already']).toContain(status);
            if (status === 'queued') queued.set(key, (queued.get(key) ?? 0) + 1);
          }
          const keys = new Set(sequence.flat().map(keyOf));
          expect([...queued.keys()].sort()).toEqual([...keys].sort());
          expect([...queued.values()].every((n) => n === 1)).toBe(true);
        }),
        { numRuns: 25 },
      );
    });
  });
}
