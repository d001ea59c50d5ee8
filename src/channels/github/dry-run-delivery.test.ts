import { describe, expect, it } from 'vitest';
import type { Finding } from '../../finding/schema.js';
import { testFinding } from '../../finding/test-findings.js';
import { systemClock } from '../../lib/clock.js';
import { defaultRetryPolicy } from '../../lib/retry.js';
import { createMemoryStore } from '../../state/memory-store.js';
import type { StateStore } from '../../state/store.js';
import type { LedgerEntry, LedgerWriter } from '../ledger/types.js';
import { deliverDryRunBatch } from './dry-run-delivery.js';
import { IssueIndex } from './issue-index.js';

function finding(id: string): Finding & { repo: string } {
  return { ...testFinding({ id, fingerprint: 'fp-1' }), repo: 'acme/web' };
}

function setup() {
  const memory = createMemoryStore();
  const calls: string[] = [];
  const store: StateStore = {
    ...memory,
    readMany: (keys) => {
      calls.push('readMany');
      return memory.readMany(keys);
    },
    writeMany: (writes) => {
      calls.push('writeMany');
      return memory.writeMany(writes);
    },
  };
  const entries: LedgerEntry[] = [];
  let ledgerDown = false;
  const ledger: LedgerWriter = {
    append: async (entry) => {
      if (ledgerDown) throw new Error('503 from the bucket');
      entries.push(entry);
      return `ledger/${entries.length}`;
    },
    flush: async () => undefined,
  };
  const deps = {
    clock: systemClock,
    label: '[DEV] ',
    dedupeWindowMs: 3_600_000,
    leaseMs: 60_000,
    stateRecheckMs: 60_000,
    holder: 'test',
    retryPolicy: defaultRetryPolicy,
    creationWaitMs: 0,
    ledger,
    index: new IssueIndex(store, 'dry-run'),
    realIndex: new IssueIndex(store, 'real'),
  };
  return {
    deps,
    entries,
    calls,
    failLedger: (on: boolean) => {
      ledgerDown = on;
    },
  };
}

const deliverDryRun = async (deps: ReturnType<typeof setup>['deps'], f: Finding & { repo: string }) =>
  (await deliverDryRunBatch(deps, [f]))[0];

describe('deliverDryRunBatch', () => {
  it('records the would-be issue once and calls later findings of the fingerprint duplicates', async () => {
    const { deps, entries } = setup();
    expect(await deliverDryRun(deps, finding('e1'))).toMatchObject({ kind: 'dry-run' });
    expect(await deliverDryRun(deps, finding('e2'))).toEqual({ kind: 'dropped', reason: 'duplicate' });
    expect(entries.map((e) => [e.findingId, e.action])).toEqual([['e1', 'create-issue']]);
  });

  it('writes the record of the event that opened the index when that event comes back (a worker stopped in between)', async () => {
    const { deps, entries } = setup();
    const now = new Date().toISOString();
    await deps.index.create('acme/web', 'fp-1', {
      state: 'open',
      lastCommentAt: now,
      seenSinceComment: 0,
      firstSeenAt: now,
      findingId: 'e1',
    });
    expect(await deliverDryRun(deps, finding('e1'))).toMatchObject({ kind: 'dry-run' });
    expect(entries.map((e) => [e.findingId, e.action])).toEqual([['e1', 'create-issue']]);
    expect(await deliverDryRun(deps, finding('e2'))).toEqual({ kind: 'dropped', reason: 'duplicate' });
  });

  it('continues from a REAL issue into its own index only, leaving the real entry as it was', async () => {
    const { deps, entries } = setup();
    const long = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const real = await deps.realIndex.create('acme/web', 'fp-1', {
      state: 'open',
      number: 42,
      lastCommentAt: long,
      seenSinceComment: 3,
      firstSeenAt: long,
      findingId: 'r1',
      checkedAt: 1,
    });
    // REAL's creator event is not the dry run's: past the window it is a comment on #42.
    const [outcome] = await deliverDryRunBatch(deps, [finding('r1'), finding('e2')]);
    expect(outcome).toMatchObject({ kind: 'dry-run' });
    expect(entries.map((e) => [e.action, e.request.path])).toEqual([
      ['comment-issue', '/repos/acme/web/issues/42/comments'],
    ]);
    expect(entries[0]!.request.body.body).toMatch(/^Seen again \*\*4 times\*\*/);
    expect(await deps.realIndex.read('acme/web', 'fp-1')).toEqual(real);
    const dry = (await deps.index.read('acme/web', 'fp-1'))?.entry;
    expect(dry).toMatchObject({ state: 'open', number: 42, seenSinceComment: 1 });
    expect(dry).not.toHaveProperty('findingId');
  });

  it('a whole cycle costs one read per index and one write, whatever it holds', async () => {
    const { deps, entries, calls } = setup();
    const batch = [
      finding('e1'),
      finding('e2'),
      { ...finding('e3'), fingerprint: 'fp-2' },
      { ...finding('e4'), fingerprint: 'fp-2' },
      { ...finding('e5'), fingerprint: 'fp-3', repo: 'acme/api' },
    ];
    const outcomes = await deliverDryRunBatch(deps, batch);
    expect(outcomes.map((o) => o!.kind)).toEqual(['dry-run', 'dropped', 'dry-run', 'dropped', 'dry-run']);
    expect(entries.map((e) => [e.findingId, e.action])).toEqual([
      ['e1', 'create-issue'],
      ['e3', 'create-issue'],
      ['e5', 'create-issue'],
    ]);
    expect(calls).toEqual(['readMany', 'readMany', 'writeMany']);
    // The index holds what the cycle planned: the next cycle counts duplicates without a record.
    calls.length = 0;
    expect((await deliverDryRunBatch(deps, [finding('e6')]))[0]).toEqual({
      kind: 'dropped',
      reason: 'duplicate',
    });
    expect(calls).toEqual(['readMany', 'writeMany']);
    const entry = (await deps.index.read('acme/web', 'fp-1'))?.entry;
    expect(entry).toMatchObject({ state: 'open', seenSinceComment: 2, findingId: 'e1' });
  });

  it('a failed ledger write leaves its group transient and its index unwritten, so a retry records it', async () => {
    const { deps, entries, failLedger } = setup();
    failLedger(true);
    const [first] = await deliverDryRunBatch(deps, [finding('e1')]);
    expect(first).toMatchObject({ kind: 'transient', cause: expect.stringMatching(/ledger write failed/) });
    expect(await deps.index.read('acme/web', 'fp-1')).toBeUndefined();
    failLedger(false);
    expect((await deliverDryRunBatch(deps, [finding('e1')]))[0]).toMatchObject({ kind: 'dry-run' });
    expect(entries).toHaveLength(1);
  });
});
