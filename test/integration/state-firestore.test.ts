import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FirestoreIo, firestoreIoByOp, totalIo } from '../../src/state/firestore-calls.js';
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

describe('firestore io counts', () => {
  const minus = (a: FirestoreIo, b: FirestoreIo): FirestoreIo => ({
    commits: a.commits - b.commits,
    writes: a.writes - b.writes,
    retries: a.retries - b.retries,
    reads: a.reads - b.reads,
  });

  it('counts commits, document writes and reads per call, in the instance and process-wide by operation', async () => {
    const firestore = client(emulator.host);
    const state = openFirestoreRelayState({ firestore });
    const processBefore = firestoreIoByOp();
    const opBefore = (op: string) => processBefore[op] ?? { commits: 0, writes: 0, retries: 0, reads: 0 };

    // 10 requests on both channels, unwindowed: one commit of 20 deliveries + 2 counter shards,
    // after reading the 20 delivery documents (none there yet).
    const requests = Array.from({ length: 10 }, (_, i) => [
      request(`io-${i}`, { channel: 'slack' }),
      request(`io-${i}`, { channel: 'github', target: 'github:token' }),
    ]).flat();
    await state.enqueue(requests, 1);
    expect({ ...state.io }).toEqual({ commits: 1, writes: 22, retries: 0, reads: 20 });

    // takeDue: the lease read and created (1 read, 1 write, 1 commit) and the due query's 10 entries.
    const taken = await state.takeDue({ name: 'L', holder: 'w', ttlMs: 30_000 }, 'slack:hook', 100, 2);
    expect(taken.entries).toHaveLength(10);
    // complete: the 10 read again and finished, one counter increment, in one commit.
    await state.complete(
      taken.entries.map((e) => ({
        eventId: e.eventId,
        channel: e.channel,
        kind: 'done',
        outcome: { kind: 'sent' },
      })),
      3,
    );
    // An empty query is billed one read; an idle poll of a lease with more than two thirds left
    // reads the lease and writes nothing (no commit).
    const empty = await state.takeDue({ name: 'L', holder: 'w', ttlMs: 30_000 }, 'slack:hook', 100, 4);
    expect(empty).toEqual({ leased: true, entries: [] });

    const mine = { ...state.io };
    expect(mine).toEqual({ commits: 3, writes: 22 + 1 + 11, retries: 0, reads: 20 + 11 + 10 + 2 });
    // The process-wide counts (what the bench reads from the relay's process) saw the same calls.
    const after = firestoreIoByOp();
    expect(minus(after.enqueue!, opBefore('enqueue'))).toEqual({
      commits: 1,
      writes: 22,
      retries: 0,
      reads: 20,
    });
    expect(minus(after.takeDue!, opBefore('takeDue'))).toEqual({
      commits: 1,
      writes: 1,
      retries: 0,
      reads: 13,
    });
    expect(minus(after.complete!, opBefore('complete'))).toEqual({
      commits: 1,
      writes: 11,
      retries: 0,
      reads: 10,
    });
    // Once a third of the lease has passed, an idle poll renews it (one write), and it still holds.
    const stale = await state.takeDue(
      { name: 'L', holder: 'w', ttlMs: 30_000 },
      'slack:hook',
      100,
      2 + 10_001,
    );
    expect(stale).toEqual({ leased: true, entries: [] });
    expect(state.io.commits - mine.commits).toBe(1);
    expect(
      (await state.takeDue({ name: 'L', holder: 'other', ttlMs: 30_000 }, 'slack:hook', 100, 2 + 30_001))
        .leased,
    ).toBe(false);
    // A copy: changing it changes nothing.
    after.enqueue!.commits = -1;
    expect(firestoreIoByOp().enqueue!.commits).toBeGreaterThan(0);
    const total = totalIo(firestoreIoByOp());
    expect(total.commits).toBeGreaterThanOrEqual(mine.commits);
    expect(total.writes).toBeGreaterThanOrEqual(mine.writes);
    await state.close();
    await firestore.terminate();
  });
});

describe('firestore://-/… on the emulator', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const home = mkdtempSync(join(tmpdir(), 'firestore-no-metadata-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** `finding-relay silence list` in a process of its own, its whole output (warnings included). */
  async function silenceList(extra: Record<string, string>) {
    const run = promisify(execFile);
    try {
      const { stdout, stderr } = await run(
        join(root, 'node_modules/.bin/tsx'),
        [join(root, 'src/main.ts'), 'silence', 'list'],
        {
          cwd: home,
          // A HOME of its own: no gcloud credentials of the machine's user are found.
          env: {
            PATH: process.env.PATH,
            HOME: home,
            DEPLOYMENT_ENV: 'dev',
            STATE_URI: 'firestore://-/(default)',
            FIRESTORE_EMULATOR_HOST: emulator.host,
            ...extra,
          },
          timeout: 60_000,
        },
      );
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  it('asks no metadata server (no MetadataLookupWarning), with or without GOOGLE_CLOUD_PROJECT', async () => {
    const envs: Record<string, string>[] = [{}, { GOOGLE_CLOUD_PROJECT: 'demo-metadata-check' }];
    for (const extra of envs) {
      const { code, output } = await silenceList(extra);
      expect(output).not.toContain('MetadataLookupWarning');
      expect(output).not.toContain('Project Id');
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'no active silences in dev' });
    }
  }, 120_000);
});
