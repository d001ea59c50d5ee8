import type { Finding } from '../../finding/schema.js';
import { retryTransient } from '../../lib/retry.js';
import type { Outcome } from '../types.js';
import {
  type BatchScope,
  failureOutcome,
  iso,
  type Listing,
  type RealDeps,
  timed,
} from './delivery-context.js';
import { type IndexRecord, type IssueIndexEntry, pickMarkedIssues } from './issue-index.js';
import { RELAY_LABEL, renderIssue } from './render.js';
import { createIssueRequest } from './requests.js';

/** The claim a creation runs under, and what the entry was before it was claimed (to give it back). */
export interface CreationClaim {
  readonly record: IndexRecord;
  readonly before: IndexRecord | undefined;
  /** The closed issue the new one follows up. */
  readonly previous: number | undefined;
  /** Read a fresh listing (not this batch's): a creation may have landed since (crash, timeout). */
  readonly freshLookup: boolean;
}

type Found =
  | { kind: 'created'; number: number }
  | { kind: 'existing'; issue: { number: number; createdAt: string; updatedAt: string } };

/** 'recheck': an issue for the fingerprint already exists and is now indexed; handle the finding as a recurrence. */
export type CreationResult = Outcome | 'recheck';

export function creatingEntry(
  deps: RealDeps,
  now: number,
  findingId: string,
  base: Partial<IssueIndexEntry>,
): IssueIndexEntry {
  return {
    lastCommentAt: iso(now),
    seenSinceComment: 0,
    firstSeenAt: iso(now),
    ...base,
    state: 'creating',
    leaseUntil: now + deps.leaseMs,
    holder: deps.holder,
    findingId,
  };
}

/**
 * One listing per repo is shared by the batch's groups. A failed one is shared only until its
 * retry-after has passed: kept for the rest of the batch, every group started after a rate limit
 * ended would first wait out the old retry-after (measured: ~1 issue/s for minutes after a 60 s
 * secondary limit).
 */
function lookup(deps: RealDeps, scope: BatchScope, repo: string, fresh: boolean): Promise<Listing> {
  const key = repo.toLowerCase();
  const cached = scope.listings.get(key);
  if (cached && !fresh) return cached;
  const listing = timed(deps, 'list-issues', repo, () =>
    deps.client.listIssuesWithLabel(repo, RELAY_LABEL, scope.signal),
  );
  scope.listings.set(key, listing);
  void listing.then(async (result) => {
    if (result.ok) return;
    const wait = result.transient ? (result.retryAfterMs ?? 0) : 0;
    await deps.clock.sleep(wait, scope.signal).catch(() => undefined);
    if (scope.listings.get(key) === listing) scope.listings.delete(key);
  });
  return listing;
}

/**
 * Creates the issue under a claim. Looks for the marker first (the index may have been lost, or
 * an earlier attempt may have landed), and again before any retry of a create that may have
 * succeeded. The claim is renewed just before the request goes out, so a lapsed claim never sends.
 */
export async function createUnderClaim(
  deps: RealDeps,
  scope: BatchScope,
  finding: Finding & { repo: string },
  claim: CreationClaim,
): Promise<CreationResult> {
  const { repo, fingerprint } = finding;
  let held = claim.record;
  let previous = claim.previous;
  let attempted = false;
  // Sticky: once a create may have landed, every later step looks for it first.
  let maybeLanded = false;

  const renew = async () => {
    const renewed = await deps.index.replace(repo, fingerprint, held.generation, {
      ...held.entry,
      leaseUntil: deps.clock.now() + deps.leaseMs,
    });
    if (renewed) held = renewed;
    return renewed !== undefined;
  };

  const result = await retryTransient<Found>(
    async (attemptNumber) => {
      if (attemptNumber === 1 || maybeLanded) {
        const listing = await lookup(deps, scope, repo, claim.freshLookup || attemptNumber > 1);
        if (!listing.ok) return listing;
        const marked = pickMarkedIssues(listing.value.issues, fingerprint);
        if (marked.open) {
          // Ours when this call (or an earlier delivery of this same event) may have created it.
          const ours = attempted || claim.before?.entry.findingId === finding.id;
          return ours
            ? { ok: true, value: { kind: 'created', number: marked.open.number } }
            : { ok: true, value: { kind: 'existing', issue: marked.open } };
        }
        if (previous === undefined && marked.closed) previous = marked.closed.number;
      }
      attempted = true;
      const request = createIssueRequest(
        repo,
        renderIssue(finding, { label: deps.label, previousIssue: previous }),
      );
      const sent = await timed(deps, 'create-issue', repo, () =>
        deps.client.send(request, { signal: scope.signal, beforeSend: renew }),
      );
      maybeLanded ||= !sent.ok && sent.mayHaveSucceeded;
      if (!sent.ok) return sent;
      if (sent.value.number === undefined) {
        return {
          ok: false,
          transient: true,
          mayHaveSucceeded: true,
          cause: 'GitHub answered without an issue number',
        };
      }
      return { ok: true, value: { kind: 'created', number: sent.value.number } };
    },
    deps.retryPolicy,
    deps.clock,
    scope.signal,
  );

  const now = deps.clock.now();
  if (!result.ok) {
    if (maybeLanded) {
      // The create may have landed: keep the claim but let it lapse now, so the next attempt takes
      // it over and looks for the marker before creating anything.
      await deps.index
        .replace(repo, fingerprint, held.generation, { ...held.entry, leaseUntil: now })
        .catch(() => undefined);
    } else if (claim.before) {
      await deps.index.replace(repo, fingerprint, held.generation, claim.before.entry).catch(() => undefined);
    } else {
      await deps.index.remove(repo, fingerprint, held.generation).catch(() => undefined);
    }
    return failureOutcome(result);
  }
  if (result.value.kind === 'existing') {
    const { issue } = result.value;
    // Found by its marker after the index lost it: index it, then treat this finding as a recurrence.
    await deps.index.replace(repo, fingerprint, held.generation, {
      state: 'open',
      number: issue.number,
      lastCommentAt: issue.updatedAt,
      seenSinceComment: 0,
      firstSeenAt: issue.createdAt,
      checkedAt: now,
    });
    return 'recheck';
  }
  const { number } = result.value;
  // A lost race here (the claim lapsed and was taken over) is harmless: the taker looks for the marker.
  // The creator's id stays in the entry: if its worker dies before recording done, the redelivered
  // event is recognised as the one that opened the issue (sent), not as a duplicate of it.
  await deps.index.replace(repo, fingerprint, held.generation, {
    state: 'open',
    number,
    lastCommentAt: iso(now),
    seenSinceComment: 0,
    firstSeenAt: held.entry.firstSeenAt,
    checkedAt: now,
    findingId: finding.id,
  });
  return { kind: 'sent', detail: `created ${repo}#${number}` };
}
