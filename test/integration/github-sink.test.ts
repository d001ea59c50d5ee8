import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGitHubSink } from '../../src/channels/github/github-sink.js';
import { IssueIndex } from '../../src/channels/github/issue-index.js';
import { findMarker, markerFor } from '../../src/channels/github/marker.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { type StateStore, StoreUnavailableError } from '../../src/state/store.js';
import { deliverItem, type Kit, makeFinding, REPO, startKit } from './github-kit.js';

let kit: Kit;
afterEach(async () => {
  // Every request any test made was one the real API accepts.
  expect(kit.gh.violations).toEqual([]);
  const everything = JSON.stringify([kit.gh.requests, kit.calls, kit.logs, kit.ledger.entries]);
  expect(everything).not.toContain(kit.gh.token);
  await kit.close();
});

const writes = () => kit.gh.requests.filter((r) => r.method === 'POST');
const HOUR = 3_600_000;

describe('GitHub sink (REAL) against the stand-in', () => {
  it('creates an issue with the title, body, labels and marker', async () => {
    kit = await startKit();
    const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    expect(outcome).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    const [issue] = kit.gh.issues(REPO);
    expect(issue).toMatchObject({ number: 1, state: 'open', title: '[STAGING] lodash prototype pollution' });
    expect((issue!.labels as Array<{ name: string }>).map((l) => l.name)).toEqual([
      'finding-relay',
      'severity:high',
      'deps',
    ]);
    expect(findMarker(issue!.body as string)).toBe('fr1:lodash');
    expect(issue!.body).toContain('cc @\u200Bsecurity-team');
    expect(kit.calls.map((c) => [c.action, c.ok])).toEqual([
      ['list-issues', true],
      ['create-issue', true],
    ]);
  });

  it('calls a redelivered event that created the issue sent, not a duplicate of its own issue', async () => {
    kit = await startKit();
    const [first] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    expect(first).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    // Its worker died before recording done: the same event comes back, and nothing is sent again.
    const [again] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    expect(again).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    const [other] = await kit.deliver([deliverItem(makeFinding({ id: 'e2' }))]);
    expect(other).toEqual({ kind: 'dropped', reason: 'duplicate' });
    expect(writes()).toHaveLength(1);
  });

  it('turns 50 findings sharing a fingerprint into one issue, then one comment per window', async () => {
    kit = await startKit();
    const batch = Array.from({ length: 50 }, (_, i) => deliverItem(makeFinding({ id: `e${i}` })));
    const outcomes = await kit.deliver(batch);
    expect(outcomes.filter((o) => o.kind === 'sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'dropped' && o.reason === 'duplicate')).toHaveLength(49);
    expect(kit.gh.issues(REPO)).toHaveLength(1);
    expect(kit.gh.comments(REPO, 1)).toHaveLength(0);

    kit.clock.advance(HOUR + 1);
    const later = await kit.deliver([51, 52, 53].map((i) => deliverItem(makeFinding({ id: `e${i}` }))));
    expect(later.map((o) => o.kind)).toEqual(['sent', 'dropped', 'dropped']);
    const comments = kit.gh.comments(REPO, 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^Seen again \*\*50 times\*\* since 2026-11-03T12:00:00.000Z\./);
    expect(kit.gh.issues(REPO)).toHaveLength(1);
  });

  it('lets two workers racing on one fingerprint open one issue', async () => {
    kit = await startKit();
    const other = kit.otherWorker();
    const signal = new AbortController().signal;
    const a = deliverItem(makeFinding({ id: 'a' }));
    const b = deliverItem(makeFinding({ id: 'b' }));
    const [ra, rb] = await Promise.all([kit.sink.deliver([a], signal), other.deliver([b], signal)]);
    const kinds = [ra.get(a)!.kind, rb.get(b)!.kind];
    expect(kit.gh.issues(REPO)).toHaveLength(1);
    expect(kinds.filter((k) => k === 'sent')).toHaveLength(1);
    // The loser waits for the winner's create, then counts itself a duplicate (no hand-back).
    expect(kinds.filter((k) => k === 'dropped')).toHaveLength(1);
  });

  it("waits a bounded time on another worker's creation claim, then hands back with its lease", async () => {
    kit = await startKit({ sink: { creationWaitMs: 300 } });
    // A creator that crashed mid-create left its 'creating' claim with 5 minutes of lease.
    const now = kit.clock.now();
    await new IssueIndex(kit.store, 'real').create(REPO, 'fr1:lodash', {
      state: 'creating',
      lastCommentAt: new Date(now).toISOString(),
      seenSinceComment: 0,
      firstSeenAt: new Date(now).toISOString(),
      leaseUntil: now + 300_000,
      holder: 'vm-crashed',
      findingId: 'a',
    });
    const reads = vi.spyOn(kit.store, 'read');
    const [b] = await kit.deliver([deliverItem(makeFinding({ id: 'b' }))]);
    // It waited, holding the message, re-reading the claim (not handed back at the first look).
    expect(reads.mock.calls.filter(([key]) => key.includes('issue-index')).length).toBeGreaterThan(2);
    expect(b).toMatchObject({
      kind: 'transient',
      cause: 'GitHub issue for this fingerprint is being created by vm-crashed',
      retryAfterMs: 300_000,
    });
    // Once the lease has passed, the next delivery takes the claim over (looks first, then creates).
    kit.clock.advance(300_001);
    const [again] = await kit.deliver([deliverItem(makeFinding({ id: 'b' }))]);
    expect(again).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    expect(kit.gh.issues(REPO)).toHaveLength(1);
  });

  it('opens a new issue linking the old one when the old one was closed', async () => {
    kit = await startKit();
    await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    kit.gh.closeIssue(REPO, 1);
    kit.clock.advance(6 * 60_000); // past the state re-check interval, within the dedupe window
    const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e2' }))]);
    expect(outcome).toEqual({ kind: 'sent', detail: `created ${REPO}#2` });
    const issues = kit.gh.issues(REPO);
    expect(issues.map((i) => [i.number, i.state])).toEqual([
      [1, 'closed'],
      [2, 'open'],
    ]);
    expect(issues[1]!.body).toContain('| **Previously** | #1 |');
    const [again] = await kit.deliver([deliverItem(makeFinding({ id: 'e3' }))]);
    expect(again).toEqual({ kind: 'dropped', reason: 'duplicate' });
    expect(kit.gh.issues(REPO)).toHaveLength(2);
  });

  it('finds its issue by the marker when the index is lost (listing, paginated), never duplicating it', async () => {
    kit = await startKit();
    const many = Array.from({ length: 30 }, (_, i) =>
      deliverItem(makeFinding({ id: `n${i}`, fingerprint: `fp-${i}`, title: `finding ${i}` })),
    );
    expect((await kit.deliver(many)).every((o) => o.kind === 'sent')).toBe(true);
    // Ninety more relay issues, so the oldest ones are on the second page of the listing.
    for (let i = 30; i < 120; i++) {
      kit.gh.seedIssue(REPO, {
        title: `finding ${i}`,
        body: `${markerFor(`fp-${i}`)}\n`,
        labels: ['finding-relay'],
      });
    }
    // One listing for the whole batch, not one per finding.
    expect(kit.calls.filter((c) => c.action === 'list-issues')).toHaveLength(1);
    kit.gh.closeIssue(REPO, 2);

    // A worker with an empty state store (the index is lost).
    const amnesiac = createGitHubSink({
      client: kit.client,
      ledger: kit.ledger,
      store: createMemoryStore(),
      label: 'STAGING',
      dedupeWindowS: 3600,
      clock: kit.clock,
    });
    const signal = new AbortController().signal;
    const oldest = deliverItem(makeFinding({ id: 'r0', fingerprint: 'fp-0', title: 'finding 0' }));
    const closed = deliverItem(makeFinding({ id: 'r1', fingerprint: 'fp-1', title: 'finding 1' }));
    const outcomes = await amnesiac.deliver([oldest, closed], signal);
    expect(outcomes.get(oldest)).toEqual({ kind: 'dropped', reason: 'duplicate' });
    expect(outcomes.get(closed)).toEqual({ kind: 'sent', detail: `created ${REPO}#121` });
    expect(kit.gh.issues(REPO).at(-1)!.body).toContain('| **Previously** | #2 |');
    const lists = kit.gh.requests.filter((r) => r.operationId === 'issues/list-for-repo');
    expect(lists.at(-1)!.query).toEqual({
      labels: 'finding-relay',
      state: 'all',
      per_page: '100',
      page: '2',
    });
    expect(kit.gh.requests.some((r) => r.path.startsWith('/search'))).toBe(false);
    expect(kit.gh.issues(REPO)).toHaveLength(121);
  });

  it('waits out a secondary rate limit (retry-after) and loses nothing', async () => {
    kit = await startKit();
    kit.gh.setFault({ kind: 'secondary-limit', retryAfterS: 1, forMs: 50 });
    const items = ['a', 'b', 'c'].map((fp) => deliverItem(makeFinding({ id: fp, fingerprint: fp })));
    const outcomes = await kit.deliver(items);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'sent', 'sent']);
    expect(kit.gh.requests.some((r) => r.status === 403)).toBe(true);
    expect(
      kit.gh
        .issues(REPO)
        .map((i) => findMarker(i.body as string))
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it("does not make the batch's later groups wait out a listing failure that has expired", async () => {
    // One group at a time; the rate limit is handed back at once (retry-after 1 s).
    kit = await startKit({ client: { maxLimitRetries: 0 }, sink: { concurrency: 1 } });
    kit.gh.setFault({ kind: 'secondary-limit', retryAfterS: 1 }); // the next request only
    const items = ['a', 'b', 'c', 'd'].map((fp) => deliverItem(makeFinding({ id: fp, fingerprint: fp })));
    const outcomes = await kit.deliver(items);
    expect(outcomes.map((o) => o.kind)).toEqual(['sent', 'sent', 'sent', 'sent']);
    // The first group waits out the retry-after; the next one lists afresh instead of reusing the
    // failed listing (and waiting another second, as every later group of the batch did).
    expect(kit.calls.map((c) => `${c.action}:${c.ok}`)).toEqual([
      'list-issues:false',
      'create-issue:true',
      'list-issues:true',
      'create-issue:true',
      'create-issue:true',
      'create-issue:true',
    ]);
  });

  it('hands a long secondary limit back as transient, then creates once on redelivery', async () => {
    kit = await startKit();
    kit.gh.setFault({ kind: 'secondary-limit', retryAfterS: 120, forMs: 60_000 });
    const item = deliverItem(makeFinding({ id: 'e1' }));
    const [limited] = await kit.deliver([item]);
    expect(limited).toMatchObject({ kind: 'transient', retryAfterMs: 120_000 });
    expect(kit.gh.issues(REPO)).toHaveLength(0);
    kit.gh.setFault({ kind: 'none' });
    expect((await kit.deliver([item]))[0]!.kind).toBe('sent');
    expect(kit.gh.issues(REPO)).toHaveLength(1);
  });

  it('rides out a store failure between creating an issue and indexing it: one issue, no lease wait', async () => {
    const memory = createMemoryStore();
    let failures = 0;
    const store: StateStore = {
      location: memory.location,
      createIfAbsent: (k, d) => memory.createIfAbsent(k, d),
      read: (k) => memory.read(k),
      delete: (k, g) => memory.delete(k, g),
      list: (p) => memory.list(p),
      readMany: (keys) => memory.readMany(keys),
      writeMany: (writes) => memory.writeMany(writes),
      // The write that records the created issue in the index fails once (GCS 503).
      compareAndSwap: async (k, g, d) => {
        if (failures === 0 && String(d).includes('"state":"open"')) {
          failures += 1;
          throw new StoreUnavailableError(`index "${k}": 503 backendError`);
        }
        return memory.compareAndSwap(k, g, d);
      },
    };
    const waits: string[] = [];
    kit = await startKit({ sink: { store, onStoreWait: (f, e) => waits.push(`${f.id}: ${e}`) } });
    const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    expect(waits).toEqual([
      expect.stringMatching(/^e1: StoreUnavailableError: index ".+": 503 backendError$/),
    ]);
    // Not handed back (a burnt delivery attempt), and not left waiting 5 min on its own
    // 'creating' claim: the retry takes the claim over and adopts the issue by its marker.
    expect(outcome).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    expect(failures).toBe(1);
    expect(writes()).toHaveLength(1);
    const [again] = await kit.deliver([deliverItem(makeFinding({ id: 'e2' }))]);
    expect(again).toEqual({ kind: 'dropped', reason: 'duplicate' });
  });

  it('creates each issue exactly once when one write in three answers 502', async () => {
    kit = await startKit();
    kit.gh.setFault({ kind: 'status', status: 502, everyNth: 3, method: 'POST' });
    const items = Array.from({ length: 5 }, (_, i) =>
      deliverItem(makeFinding({ id: `e${i}`, fingerprint: `f${i}` })),
    );
    const outcomes = await kit.deliver(items);
    expect(outcomes.every((o) => o.kind === 'sent')).toBe(true);
    expect(writes().filter((r) => r.status === 502).length).toBeGreaterThan(0);
    const markers = kit.gh.issues(REPO).map((i) => findMarker(i.body as string));
    expect(markers.sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  it('does not create twice when a create landed but its answer never came', async () => {
    kit = await startKit();
    kit.gh.setFault({ kind: 'timeout-after-create' });
    const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    expect(outcome).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    expect(kit.gh.issues(REPO)).toHaveLength(1);
    expect(writes()).toHaveLength(1); // the retry looked for the marker instead of posting again
  });

  it('after a timed-out create and no retries left, the redelivery adopts the issue instead of duplicating', async () => {
    kit = await startKit({
      sink: { retryPolicy: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, maxRetryAfterMs: 0 } },
    });
    kit.gh.setFault({ kind: 'timeout-after-create' });
    const item = deliverItem(makeFinding({ id: 'e1' }));
    const [first] = await kit.deliver([item]);
    expect(first).toMatchObject({ kind: 'transient', cause: expect.stringContaining('timed out') });
    const [second] = await kit.deliver([item]);
    expect(second).toEqual({ kind: 'sent', detail: `created ${REPO}#1` });
    expect(kit.gh.issues(REPO)).toHaveLength(1);
  });

  it.each([404, 410, 422] as const)(
    'makes a %i on create permanent-github and releases the claim',
    async (status) => {
      kit = await startKit();
      kit.gh.setFault({ kind: 'status', status, method: 'POST' });
      const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
      expect(outcome).toMatchObject({ kind: 'permanent', reason: 'permanent-github' });
      expect((outcome as { cause: string }).cause).toContain(String(status));
      kit.gh.setFault({ kind: 'none' });
      expect((await kit.deliver([deliverItem(makeFinding({ id: 'e2' }))]))[0]!.kind).toBe('sent');
    },
  );

  it('makes an unknown repo permanent-github', async () => {
    kit = await startKit();
    const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e1', repo: 'acme/missing' }))]);
    expect(outcome).toMatchObject({ kind: 'permanent', reason: 'permanent-github' });
  });

  it('keeps a rejected token transient and never lets it into causes, logs, calls or the store', async () => {
    const token = 'ghp_fake_wrongTokenValue0123456789abcdefABCDEF';
    kit = await startKit({ client: { token } });
    const [outcome] = await kit.deliver([deliverItem(makeFinding({ id: 'e1' }))]);
    expect(outcome).toMatchObject({ kind: 'transient', cause: expect.stringContaining('fix GITHUB_TOKEN') });
    const stored = await Promise.all((await kit.store.list('')).map((k) => kit.store.read(k)));
    const everything = JSON.stringify([outcome, kit.logs, kit.calls, stored.map((o) => o?.data.toString())]);
    expect(everything).not.toContain(token);
    expect(kit.gh.issues(REPO)).toHaveLength(0);
  });

  it('drops a finding without a repo (no-repo) and hands a lasting store outage back as transient', async () => {
    kit = await startKit({ sink: { storeOutageWaitMs: 300 } });
    const [noRepo] = await kit.deliver([deliverItem(makeFinding({ id: 'e1', repo: undefined }))]);
    expect(noRepo).toEqual({ kind: 'dropped', reason: 'no-repo' });
    kit.store.setUnavailable(true);
    const [down] = await kit.deliver([deliverItem(makeFinding({ id: 'e2' }))]);
    expect(down).toMatchObject({ kind: 'transient' });
    expect(kit.gh.issues(REPO)).toHaveLength(0);
  });
});
