import { describe, expect, it } from 'vitest';
import { manualClock, steppedClock } from '../lib/test-clock.js';
import type { ClaimsPort } from '../pipeline/side-effect-claims.js';
import { claimKey, createSideEffectClaims } from './claims.js';
import { keepLeases } from './lease-keeper.js';
import { createMemoryStore } from './memory-store.js';
import type { StateStore } from './store.js';

const LEASE = 30_000;

function setup(store: StateStore = createMemoryStore()) {
  const clock = steppedClock();
  const problems: Array<{ key: string; lost: boolean }> = [];
  const mine = createSideEffectClaims(store, { holder: 'w1', leaseMs: LEASE, clock });
  const kept = keepLeases(mine, { leaseMs: LEASE, clock, onRenewalProblem: (p) => problems.push(p) });
  const other = createSideEffectClaims(store, { holder: 'w2', leaseMs: LEASE, clock });
  return { kept, other, clock, problems, store };
}

/** The memory store with its compare-and-swap replaced (a store down, or a slow answer). */
function withSwap(store: StateStore, compareAndSwap: StateStore['compareAndSwap']): StateStore {
  return {
    location: store.location,
    createIfAbsent: (...a) => store.createIfAbsent(...a),
    read: (...a) => store.read(...a),
    delete: (...a) => store.delete(...a),
    list: (...a) => store.list(...a),
    compareAndSwap,
  };
}

async function claimed(kept: ReturnType<typeof keepLeases>, id: string) {
  const result = await kept.claim(id, 'slack');
  if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
  return result.token;
}

describe('lease keeper', () => {
  it('fits the dedupe stage port', () => {
    const port: ClaimsPort = setup().kept;
    expect(port).toBeDefined();
  });

  it('keeps a claim in flight ours past its first lease, then lets it go once done', async () => {
    const { kept, other, clock } = setup();
    const token = await claimed(kept, 'evt-1');
    expect(await kept.renewDue()).toBe(0); // too fresh to renew
    for (let i = 0; i < 4; i++) {
      clock.advance(LEASE / 2);
      expect(await kept.renewDue()).toBe(1);
    }
    // Two leases have passed since the claim: unrenewed, w2 would have taken it over by now.
    expect(await other.claim('evt-1', 'slack')).toMatchObject({ status: 'held', holder: 'w1' });
    await kept.markDone(token, { kind: 'sent' });
    expect(kept.kept).toBe(0);
    clock.advance(LEASE);
    expect(await kept.renewDue()).toBe(0);
    expect(await other.claim('evt-1', 'slack')).toMatchObject({ status: 'done', record: { kind: 'sent' } });
  });

  it("stops renewing a crashed holder's claims: the lease then runs out for the others", async () => {
    const { kept, other, clock } = setup();
    await claimed(kept, 'evt-2');
    kept.stop(); // never started; stands for a worker that died: nothing renews any more
    clock.advance(LEASE + 1);
    expect((await other.claim('evt-2', 'slack')).status).toBe('claimed');
  });

  it('reports a claim taken over meanwhile as lost and stops keeping it', async () => {
    const { kept, other, clock, problems } = setup();
    const token = await claimed(kept, 'evt-3');
    clock.advance(LEASE + 1); // renewal missed (store down, process paused)
    const theirs = await other.claim('evt-3', 'slack');
    expect(theirs.status).toBe('claimed');
    expect(await kept.renewDue()).toBe(1);
    expect(problems).toEqual([expect.objectContaining({ key: claimKey('evt-3', 'slack'), lost: true })]);
    expect(kept.kept).toBe(0);
    // The side effect happened all the same: its done mark still goes in, and stays final.
    await kept.markDone(token, { kind: 'sent', detail: 'w1' });
    expect(await other.claim('evt-3', 'slack')).toMatchObject({ status: 'done', record: { detail: 'w1' } });
  });

  it('keeps trying when the store is unreachable, without dropping the claim', async () => {
    const store = createMemoryStore();
    let down = false;
    const flaky = withSwap(store, (...a) =>
      down ? Promise.reject(new Error('ECONNREFUSED')) : store.compareAndSwap(...a),
    );
    const { kept, clock, problems } = setup(flaky);
    const token = await claimed(kept, 'evt-4');
    down = true;
    clock.advance(LEASE / 2);
    expect(await kept.renewDue()).toBe(1);
    expect(problems).toEqual([expect.objectContaining({ lost: false, error: 'ECONNREFUSED' })]);
    expect(kept.kept).toBe(1);
    down = false;
    expect(await kept.renewDue()).toBe(1);
    await kept.markDone(token, { kind: 'sent' });
  });

  it('a release racing a renewal still frees the claim (it waits for the new generation)', async () => {
    const store = createMemoryStore();
    let gate: (() => void) | undefined;
    const slowSwap = withSwap(store, async (...a) => {
      await new Promise<void>((resolve) => {
        gate = resolve;
      });
      return store.compareAndSwap(...a);
    });
    const { kept, other, clock } = setup(slowSwap);
    const token = await claimed(kept, 'evt-5');
    clock.advance(LEASE / 2);
    const renewing = kept.renewDue();
    const releasing = kept.release(token);
    await new Promise((r) => setImmediate(r));
    gate!();
    await Promise.all([renewing, releasing]);
    expect((await other.claim('evt-5', 'slack')).status).toBe('claimed');
  });

  it('renews in the background once started, and not after stop', async () => {
    const { clock, advance } = manualClock(1_000);
    const store = createMemoryStore();
    const kept = keepLeases(createSideEffectClaims(store, { holder: 'w1', leaseMs: LEASE, clock }), {
      leaseMs: LEASE,
      clock,
    });
    const other = createSideEffectClaims(store, { holder: 'w2', leaseMs: LEASE, clock });
    await claimed(kept, 'evt-6');
    kept.start();
    await advance(3 * LEASE);
    expect((await other.claim('evt-6', 'slack')).status).toBe('held');
    kept.stop();
    await advance(LEASE + 1);
    expect((await other.claim('evt-6', 'slack')).status).toBe('claimed');
  });
});
