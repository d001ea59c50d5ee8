import { iso } from './delivery-context.js';
import type { IndexRecord, IssueIndexEntry } from './issue-index.js';

/** What one finding of a dry run becomes: a would-be request in the ledger, or a counted duplicate. */
export type DryRunStep =
  | { readonly kind: 'create'; readonly previous?: number }
  | {
      readonly kind: 'comment';
      /** The issue to comment on; undefined = the one this dry run would have opened. */
      readonly number: number | undefined;
      /** Sightings since the last announcement, this one included. */
      readonly count: number;
      /** When the last announcement was. */
      readonly since: string;
    }
  | { readonly kind: 'duplicate' };

export interface DryRunGroupPlan {
  /** One step per finding, in order. */
  readonly steps: readonly DryRunStep[];
  /** The dry-run index entry to write after the ledger (undefined: unchanged). */
  readonly write?: { readonly generation?: string; readonly entry: IssueIndexEntry };
}

/**
 * Pure: the findings of one (repo, fingerprint), in order, against what the indexes hold. The
 * dry-run index says what the dry run has "opened"; the REAL index, read only, lets a dry run
 * continue from a real issue (its number, window and count) or follow up a closed one. Within
 * DEDUPE_WINDOW a recurrence is counted; after it, one comment opens a new window.
 */
export function planDryRunGroup(
  findingIds: readonly string[],
  dry: IndexRecord | undefined,
  real: IssueIndexEntry | undefined,
  now: number,
  dedupeWindowMs: number,
): DryRunGroupPlan {
  let entry = dry?.entry;
  let changed = false;
  const steps: DryRunStep[] = [];
  for (const id of findingIds) {
    if (!entry && real?.state === 'open' && real.number !== undefined) {
      entry = {
        state: 'open',
        number: real.number,
        lastCommentAt: real.lastCommentAt,
        seenSinceComment: real.seenSinceComment,
        firstSeenAt: real.firstSeenAt,
      };
      changed = true;
    }
    if (!entry) {
      const previous = real?.state === 'closed' ? real.number : undefined;
      entry = {
        state: 'open',
        lastCommentAt: iso(now),
        seenSinceComment: 0,
        firstSeenAt: iso(now),
        findingId: id,
        ...(previous === undefined ? {} : { previous }),
      };
      changed = true;
      steps.push(previous === undefined ? { kind: 'create' } : { kind: 'create', previous });
    } else if (entry.findingId === id && entry.number === undefined) {
      // This event opened the would-be issue and is back (its worker stopped between the index
      // and recording done): write its record again rather than call it a duplicate.
      steps.push(
        entry.previous === undefined ? { kind: 'create' } : { kind: 'create', previous: entry.previous },
      );
    } else if (now - Date.parse(entry.lastCommentAt) < dedupeWindowMs) {
      entry = { ...entry, seenSinceComment: entry.seenSinceComment + 1 };
      changed = true;
      steps.push({ kind: 'duplicate' });
    } else {
      steps.push({
        kind: 'comment',
        number: entry.number,
        count: entry.seenSinceComment + 1,
        since: entry.lastCommentAt,
      });
      entry = { ...entry, lastCommentAt: iso(now), seenSinceComment: 0 };
      changed = true;
    }
  }
  if (!changed || !entry) return { steps };
  return {
    steps,
    write: { ...(dry === undefined ? {} : { generation: dry.generation }), entry },
  };
}
