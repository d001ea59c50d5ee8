import { describe, expect, it } from 'vitest';
import type { Finding } from '../../finding/schema.js';
import { systemClock } from '../../lib/clock.js';
import { defaultRetryPolicy } from '../../lib/retry.js';
import { createMemoryStore } from '../../state/memory-store.js';
import type { LedgerEntry, LedgerWriter } from '../ledger/types.js';
import { deliverDryRun } from './dry-run-delivery.js';
import { IssueIndex } from './issue-index.js';

function finding(id: string): Finding & { repo: string } {
  return {
    schemaVersion: 1,
    id,
    source: { agent: 'a' },
    severity: 'high',
    title: 'Same problem',
    repo: 'acme/web',
    fingerprint: 'fp-1',
    occurredAt: '2026-11-26T00:00:00Z',
  };
}

function setup() {
  const store = createMemoryStore();
  const entries: LedgerEntry[] = [];
  const ledger: LedgerWriter = {
    append: async (entry) => {
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
  return { deps, entries };
}

describe('deliverDryRun', () => {
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
});
