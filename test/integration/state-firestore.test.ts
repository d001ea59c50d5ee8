import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFirestoreRelayState } from '../../src/state/firestore-relay-state.js';
import { describeRelayStateContract, request } from '../../src/state/relay-state-contract.js';
import { describeStateStoreContract } from '../../src/state/store-contract.js';
import {
  type OutageProxy,
  type RunningFirestoreEmulator,
  startFirestoreEmulator,
  startOutageProxy,
} from '../support/firestore-emulator.js';

let emulator: RunningFirestoreEmulator;
let proxy: OutageProxy;
const presetHost = process.env.FIRESTORE_EMULATOR_HOST;
beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  proxy = await startOutageProxy(emulator.host);
  // A fresh emulator answers its first write in seconds: not inside a test's call deadline.
  const warm = client(emulator.host);
  await warm.collection('warm-up').doc('x').set({ at: 1 });
  await warm.terminate();
  // The client prefers FIRESTORE_EMULATOR_HOST to any host it is given: the clients here name theirs.
  delete process.env.FIRESTORE_EMULATOR_HOST;
}, 120_000);
afterAll(async () => {
  if (presetHost !== undefined) process.env.FIRESTORE_EMULATOR_HOST = presetHost;
  await proxy?.close();
  await emulator?.stop();
});

// Every state gets a project of its own: the emulator keeps projects apart, so tests share nothing.
let projects = 0;
const projectId = () => `relay-test-${process.pid}-${++projects}`;
/** A client of its own through the outage proxy (FIRESTORE_EMULATOR_HOST is read by the client). */
function client(host: string) {
  return new Firestore({
    projectId: projectId(),
    host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
    ignoreUndefinedProperties: true,
  });
}

describeRelayStateContract('firestore (emulator)', () => {
  const firestore = client(proxy.host);
  const state = openFirestoreRelayState({ firestore, callTimeoutMs: 3_500 });
  return {
    state: {
      ...state,
      kv: state.kv,
      close: async () => {
        await state.close();
        await firestore.terminate();
      },
    },
    setUnavailable: (on) => proxy.setDown(on),
  };
});

describeStateStoreContract(
  'firestore kv (emulator)',
  () => openFirestoreRelayState({ firestore: client(emulator.host) }).kv,
);

describe('firestore relay state', () => {
  it('enqueues 500 windowed requests in 3 commits, and answers a flood of one fingerprint from memory', async () => {
    const firestore = client(emulator.host);
    const state = openFirestoreRelayState({ firestore });
    const requests = Array.from({ length: 500 }, (_, i) =>
      request(`big-${i}`, { priority: i % 5, window: { scope: 'slack:hook', windowMs: 60_000 } }),
    );
    let t = performance.now();
    const results = await state.enqueue(requests, 1);
    const enqueueMs = performance.now() - t;
    expect(results.every((r) => r.status === 'queued')).toBe(true);
    const big = { ...state.io };
    expect(big.commits).toBe(3); // 1,000 writes + counters: 3 transactions of ≤ 500
    expect(await state.outboxStats()).toContainEqual({ channel: 'slack', items: 500, oldestEnqueuedAt: 1 });

    // Unwindowed: one commit of 500 deliveries + the counter... which is 501: two commits.
    const plain = Array.from({ length: 500 }, (_, i) => request(`plain-${i}`));
    const before = { ...state.io };
    await state.enqueue(plain, 2);
    const plainCommits = state.io.commits - before.commits;
    const plainWrites = state.io.writes - before.writes;

    // A flood: 500 findings of one fingerprint; the window is read once, then known.
    const flood = (from: number) =>
      Array.from({ length: 250 }, (_, i) =>
        request(`flood-${from + i}`, {
          fingerprint: 'hot',
          window: { scope: 'slack:hook', windowMs: 60_000 },
        }),
      );
    const f0 = { ...state.io };
    const first = await state.enqueue(flood(0), 10);
    const second = await state.enqueue(flood(250), 11);
    expect(first[0]).toEqual({ status: 'queued' });
    expect(first.slice(1).every((r) => r.status === 'duplicate')).toBe(true);
    expect(second.at(-1)).toEqual({ status: 'duplicate', since: 10, count: 500 });
    const floodWrites = state.io.writes - f0.writes;

    t = performance.now();
    const taken = await state.takeDue({ name: 'L', holder: 'w', ttlMs: 30_000 }, 'slack:hook', 100, 100);
    const firstTakeMs = performance.now() - t;
    expect(taken.entries).toHaveLength(100);
    const takes: number[] = [];
    for (let i = 0; i < 10; i++) {
      t = performance.now();
      await state.takeDue({ name: 'L', holder: 'w', ttlMs: 30_000 }, 'slack:hook', 100, 100 + i);
      takes.push(performance.now() - t);
    }
    takes.sort((a, b) => a - b);
    t = performance.now();
    await state.outboxStats();
    const statsMs = performance.now() - t;
    t = performance.now();
    const counted = await firestore
      .collection('relay_deliveries')
      .where('state', '==', 'queued')
      .count()
      .get();
    const countMs = performance.now() - t;
    expect(counted.data().count).toBe(1001);
    console.info(
      `[firestore] enqueue(500 windowed): ${big.commits} commits, ${big.writes} writes, ${enqueueMs.toFixed(0)} ms; ` +
        `enqueue(500 plain): ${plainCommits} commits, ${plainWrites} writes; ` +
        `flood of 500 one-fingerprint findings: ${floodWrites} writes; ` +
        `takeDue(100) first ${firstTakeMs.toFixed(0)} ms, renewing median ${takes[5]!.toFixed(0)} ms; ` +
        `outboxStats (counters) ${statsMs.toFixed(0)} ms vs count() over 1,001 queued ${countMs.toFixed(0)} ms`,
    );
    await state.close();
    await firestore.terminate();
  });
});
