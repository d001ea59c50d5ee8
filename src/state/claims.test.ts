import { describe, expect, it } from 'vitest';
import { steppedClock } from '../lib/test-clock.js';
import type { ClaimsPort } from '../pipeline/side-effect-claims.js';
import { claimKey, createSideEffectClaims } from './claims.js';
import { createMemoryStore } from './memory-store.js';
import { PreconditionFailedError, type StateStore, StoreUnavailableError } from './store.js';

const manualClock = () => steppedClock();

/** Counts store round trips, to prove the done cache saves them. */
const counting = (store: StateStore) => {
  const counter = { calls: 0 };
  const wrapped = Object.fromEntries(
    (['createIfAbsent', 'read', 'compareAndSwap', 'delete', 'list'] as const).map((m) => [
      m,
      (...args: never[]) => {
        counter.calls++;
        return (store[m] as (...a: never[]) => unknown)(...args);
      },
    ]),
  );
  return { store: { ...wrapped, location: store.location } as unknown as StateStore, counter };
};

const setup = (holder = 'w1', store: StateStore = createMemoryStore(), clock = manualClock()) => ({
  claims: createSideEffectClaims(store, { holder, leaseMs: 60_000, clock }),
  store,
  clock,
});

describe('side-effect claims', () => {
  it('fits the dedupe stage port', () => {
    const port: ClaimsPort = setup().claims;
    expect(port).toBeDefined();
  });

  it('claim → done → claim again returns the recorded outcome, from any worker', async () => {
    const { claims, store, clock } = setup();
    const first = await claims.claim('evt-1', 'slack');
    expect(first.status).toBe('claimed');
    if (first.status !== 'claimed') return;
    await claims.markDone(first.token, { kind: 'sent' });
    expect(await claims.claim('evt-1', 'slack')).toEqual({ status: 'done', record: { kind: 'sent' } });
    const other = createSideEffectClaims(store, { holder: 'w2', leaseMs: 60_000, clock });
    expect(await other.claim('evt-1', 'slack')).toEqual({ status: 'done', record: { kind: 'sent' } });
    expect((await other.claim('evt-1', 'github')).status).toBe('claimed'); // per channel
  });

  it('is held by another holder until the lease ends, then taken over', async () => {
    const { claims, store, clock } = setup('w1');
    const other = createSideEffectClaims(store, { holder: 'w2', leaseMs: 60_000, clock });
    const mine = await claims.claim('evt-2', 'github');
    expect(mine.status).toBe('claimed');
    expect(await other.claim('evt-2', 'github')).toEqual({
      status: 'held',
      holder: 'w1',
      expiresAt: clock.now() + 60_000,
    });
    clock.advance(59_999);
    expect((await other.claim('evt-2', 'github')).status).toBe('held');
    clock.advance(1);
    const taken = await other.claim('evt-2', 'github');
    expect(taken.status).toBe('claimed');
    // The first holder finishing late still records its outcome, and the mark stays final.
    if (mine.status !== 'claimed' || taken.status !== 'claimed') return;
    await claims.markDone(mine.token, { kind: 'sent', detail: 'late' });
    await other.markDone(taken.token, { kind: 'sent', detail: 'second' });
    expect(await claims.claim('evt-2', 'github')).toEqual({
      status: 'done',
      record: { kind: 'sent', detail: 'late' },
    });
  });

  it('lets only one of two workers take over an expired claim', async () => {
    const { claims, store, clock } = setup('w1');
    await claims.claim('evt-3', 'slack');
    clock.advance(60_000);
    const [a, b] = await Promise.all(
      ['w2', 'w3'].map((h) =>
        createSideEffectClaims(store, { holder: h, leaseMs: 60_000, clock }).claim('evt-3', 'slack'),
      ),
    );
    expect([a!.status, b!.status].sort()).toEqual(['claimed', 'held']);
  });

  it('gives one of two concurrent claimers the claim and tells the other it is held', async () => {
    const store = createMemoryStore();
    const clock = manualClock();
    const results = await Promise.all(
      ['w1', 'w2'].map((h) =>
        createSideEffectClaims(store, { holder: h, leaseMs: 1000, clock }).claim('evt-4', 'slack'),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['claimed', 'held']);
  });

  it('release lets the next claim win at once, but never undoes a done mark', async () => {
    const { claims, clock, store } = setup();
    const other = createSideEffectClaims(store, { holder: 'w2', leaseMs: 60_000, clock });
    const first = await claims.claim('evt-5', 'slack');
    if (first.status !== 'claimed') throw new Error('expected a claim');
    await claims.release(first.token);
    const next = await other.claim('evt-5', 'slack');
    expect(next.status).toBe('claimed');
    if (next.status !== 'claimed') return;
    await other.markDone(next.token, { kind: 'dropped', reason: 'duplicate' });
    await claims.release(next.token);
    await other.release(next.token);
    expect(await claims.claim('evt-5', 'slack')).toMatchObject({ status: 'done' });
  });

  it('renews a lease while the claim is still ours only', async () => {
    const { claims, clock, store } = setup();
    const first = await claims.claim('evt-6', 'slack');
    if (first.status !== 'claimed') throw new Error('expected a claim');
    clock.advance(50_000);
    const renewed = await claims.renew(first.token);
    clock.advance(50_000);
    const other = createSideEffectClaims(store, { holder: 'w2', leaseMs: 60_000, clock });
    expect((await other.claim('evt-6', 'slack')).status).toBe('held');
    await expect(claims.renew(first.token)).rejects.toBeInstanceOf(PreconditionFailedError);
    await claims.markDone(renewed, { kind: 'sent' });
  });

  it('answers a redelivered done event from its cache without a store round trip', async () => {
    const { store, counter } = counting(createMemoryStore());
    const claims = createSideEffectClaims(store, {
      holder: 'w1',
      leaseMs: 1000,
      clock: manualClock(),
      doneCacheSize: 2,
    });
    for (const id of ['a', 'b', 'c']) {
      const c = await claims.claim(id, 'slack');
      if (c.status === 'claimed') await claims.markDone(c.token, { kind: 'sent', detail: id });
    }
    const before = counter.calls;
    expect(await claims.claim('c', 'slack')).toEqual({
      status: 'done',
      record: { kind: 'sent', detail: 'c' },
    });
    expect(await claims.claim('b', 'slack')).toMatchObject({ status: 'done' });
    expect(counter.calls).toBe(before);
    expect(await claims.claim('a', 'slack')).toMatchObject({ status: 'done' }); // evicted: one more trip
    expect(counter.calls).toBeGreaterThan(before);
  });

  it('recognises its own claim when a write succeeded but its answer was lost', async () => {
    const inner = createMemoryStore();
    let dropAnswer = true;
    const flaky: StateStore = {
      ...inner,
      location: inner.location,
      createIfAbsent: async (key, data) => {
        await inner.createIfAbsent(key, data);
        if (dropAnswer) {
          dropAnswer = false;
          throw new PreconditionFailedError('retried write found the object');
        }
        return (await inner.read(key))!;
      },
    };
    const { claims } = setup('w1', flaky);
    expect((await claims.claim('evt-7', 'slack')).status).toBe('claimed');
  });

  it('stores claims under encoded keys and refuses to guess past an unreadable claim', async () => {
    const { claims, store } = setup();
    const key = claimKey('../../etc/passwd', 'slack');
    expect(key).toMatch(/^claims\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/);
    await store.createIfAbsent(key, 'not json');
    await expect(claims.claim('../../etc/passwd', 'slack')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('surfaces an unavailable store as StoreUnavailableError', async () => {
    const store = createMemoryStore();
    const { claims } = setup('w1', store);
    const c = await claims.claim('evt-8', 'slack');
    if (c.status !== 'claimed') throw new Error('expected a claim');
    store.setUnavailable(true);
    await expect(claims.claim('evt-9', 'slack')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(claims.markDone(c.token, { kind: 'sent' })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(claims.release(c.token)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
