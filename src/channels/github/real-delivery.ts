import type { Finding } from '../../finding/schema.js';
import type { Outcome } from '../types.js';
import { createUnderClaim, creatingEntry } from './create-issue-flow.js';
import { type BatchScope, failureOutcome, iso, type RealDeps, timed } from './delivery-context.js';
import type { IndexRecord } from './issue-index.js';
import { renderRecurrenceComment } from './render.js';
import { commentIssueRequest } from './requests.js';

/** Index updates lost to concurrent writers before giving up for this delivery (transient). */
const MAX_ROUNDS = 8;

/**
 * One finding in REAL mode. No open issue → create one (outcome `sent`); open issue, last
 * announcement older than the dedupe window → one "seen again" comment (`sent`); within the
 * window → `dropped: duplicate`, counted for the next comment; closed issue → a new issue that
 * links it. Every decision is re-read from the index after a lost compare-and-swap.
 */
export async function deliverReal(
  deps: RealDeps,
  scope: BatchScope,
  finding: Finding & { repo: string },
): Promise<Outcome> {
  const { repo, fingerprint } = finding;
  let waitedMs = 0;
  let pauseMs = 50;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    scope.signal.throwIfAborted();
    const now = deps.clock.now();
    const record = await deps.index.read(repo, fingerprint);
    let result: Outcome | 'recheck' | undefined;

    if (!record) {
      const claimed = await deps.index.create(repo, fingerprint, creatingEntry(deps, now, finding.id, {}));
      if (claimed) {
        result = await createUnderClaim(deps, scope, finding, {
          record: claimed,
          before: undefined,
          previous: undefined,
          freshLookup: false,
        });
      }
    } else if (record.entry.state === 'creating' || record.entry.number === undefined) {
      const lease = record.entry.leaseUntil ?? 0;
      // Left by this same event (its claim per event and channel is ours now, so no other
      // delivery of it runs): an earlier attempt stopped after the create, e.g. the store failed
      // before the entry was updated. Taken over at once; the fresh lookup adopts its issue.
      const ownEarlierAttempt = record.entry.findingId === finding.id;
      if (lease > now && !ownEarlierAttempt) {
        // Usually another delivery's create, done in milliseconds: wait for it here rather than
        // hand back at once (each hand-back burns a delivery attempt, and a crashed creator's
        // lease could otherwise outlast all of them). Waiting costs no round.
        const waitMs = Math.min(pauseMs, lease - now, deps.creationWaitMs - waitedMs);
        if (waitMs > 0) {
          await deps.clock.sleep(waitMs, scope.signal);
          waitedMs += waitMs;
          pauseMs = Math.min(pauseMs * 2, 2_000);
          round -= 1;
          continue;
        }
        return {
          kind: 'transient',
          cause: `GitHub issue for this fingerprint is being created by ${record.entry.holder ?? 'another worker'}`,
          retryAfterMs: lease - now,
        };
      }
      // A lapsed claim: its holder crashed or its create may have landed, so look afresh first.
      const claimed = await deps.index.replace(
        repo,
        fingerprint,
        record.generation,
        creatingEntry(deps, now, finding.id, record.entry),
      );
      if (claimed) {
        result = await createUnderClaim(deps, scope, finding, {
          record: claimed,
          before: record,
          previous: record.entry.previous,
          freshLookup: true,
        });
      }
    } else if (record.entry.state === 'closed') {
      const claimed = await deps.index.replace(
        repo,
        fingerprint,
        record.generation,
        creatingEntry(deps, now, finding.id, {
          firstSeenAt: record.entry.firstSeenAt,
          previous: record.entry.number,
        }),
      );
      if (claimed) {
        result = await createUnderClaim(deps, scope, finding, {
          record: claimed,
          before: record,
          previous: record.entry.number,
          // Fresh: the old issue may have been reopened (then it is adopted, not duplicated).
          freshLookup: true,
        });
      }
    } else {
      result = await recurOnOpenIssue(deps, scope, finding, record, now);
    }
    if (result !== undefined && result !== 'recheck') return result;
  }
  return { kind: 'transient', cause: 'GitHub issue index: too many concurrent updates for this fingerprint' };
}

/** An open issue is indexed: count the recurrence, or comment once the window has passed. */
async function recurOnOpenIssue(
  deps: RealDeps,
  scope: BatchScope,
  finding: Finding & { repo: string },
  record: IndexRecord,
  now: number,
): Promise<Outcome | 'recheck' | undefined> {
  const { repo, fingerprint } = finding;
  const number = record.entry.number!;
  // This event opened the issue and is back (its worker stopped before recording done): it was sent.
  if (record.entry.findingId === finding.id) return { kind: 'sent', detail: `created ${repo}#${number}` };
  let current = record;
  if (now - (record.entry.checkedAt ?? 0) >= deps.stateRecheckMs) {
    const got = await timed(deps, 'get-issue', repo, () => deps.client.getIssue(repo, number, scope.signal));
    const gone = !got.ok && (got.status === 404 || got.status === 410);
    if (!got.ok && !gone) return failureOutcome(got);
    const closed = gone || (got.ok && got.value.state === 'closed');
    const updated = await deps.index.replace(repo, fingerprint, record.generation, {
      ...record.entry,
      state: closed ? 'closed' : 'open',
      checkedAt: now,
    });
    // Closed (or deleted) on GitHub: the next round opens a new issue that links it.
    if (!updated || closed) return 'recheck';
    current = updated;
  }
  const entry = current.entry;
  if (now - Date.parse(entry.lastCommentAt) < deps.dedupeWindowMs) {
    const counted = await deps.index.replace(repo, fingerprint, current.generation, {
      ...entry,
      seenSinceComment: entry.seenSinceComment + 1,
    });
    return counted ? { kind: 'dropped', reason: 'duplicate' } : 'recheck';
  }
  // Claim the window before commenting, so concurrent workers add at most one comment per window.
  const claimed = await deps.index.replace(repo, fingerprint, current.generation, {
    ...entry,
    lastCommentAt: iso(now),
    seenSinceComment: 0,
  });
  if (!claimed) return 'recheck';
  const body = renderRecurrenceComment(entry.seenSinceComment + 1, entry.lastCommentAt, finding);
  const sent = await timed(deps, 'comment-issue', repo, () =>
    deps.client.send(commentIssueRequest(repo, number, body), { signal: scope.signal }),
  );
  if (sent.ok) return { kind: 'sent', detail: `commented on ${repo}#${number}` };
  // Surely not posted: give the window back. Maybe posted: keep it (at most one comment per window).
  if (!sent.mayHaveSucceeded) {
    await deps.index.replace(repo, fingerprint, claimed.generation, entry).catch(() => undefined);
  }
  return failureOutcome(sent);
}
