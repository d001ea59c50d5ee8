import { iso } from './delivery-context.js';
import type { IssueIndexEntry } from './issue-index.js';

/**
 * The one decision of the GitHub channel: what a finding of one (repo, fingerprint) becomes,
 * given what the index holds. Both executors ask it: REAL carries a step out with Octokit under
 * its claims, the dry run writes it to the ledger. So a dry run predicts REAL by construction.
 */
export type IssueStep =
  /** Open an issue; `previous`: the closed one it follows up (`Previously: #N`). */
  | { readonly kind: 'create'; readonly previous?: number }
  /**
   * This event is the one that opened the issue, back because its worker stopped before recording
   * done: it was sent, not a duplicate of its own issue. `number`: undefined for a would-be issue.
   */
  | { readonly kind: 'opened-by-this'; readonly number?: number; readonly previous?: number }
  | {
      readonly kind: 'comment';
      /** The issue to comment on; undefined = the one a dry run would have opened. */
      readonly number: number | undefined;
      /** Sightings since the last announcement, this one included. */
      readonly count: number;
      /** When the last announcement was. */
      readonly since: string;
    }
  /** Within DEDUPE_WINDOW of the last announcement: counted for the next comment. */
  | { readonly kind: 'duplicate' };

/** A step and the entry once it is done: every step changes the entry but 'opened-by-this'. */
export type PlannedStep =
  | { readonly step: Exclude<IssueStep, { kind: 'opened-by-this' }>; readonly entry: IssueIndexEntry }
  | { readonly step: Extract<IssueStep, { kind: 'opened-by-this' }>; readonly entry: undefined };

/**
 * Pure: one finding against the entry for its (repo, fingerprint). A 'creating' entry is an
 * executor's claim in flight, which only the REAL executor has; it settles it before asking.
 */
export function planIssueStep(
  findingId: string,
  entry: IssueIndexEntry | undefined,
  now: number,
  dedupeWindowMs: number,
): PlannedStep {
  if (!entry || entry.state === 'closed') {
    const previous = entry?.number;
    return {
      step: previous === undefined ? { kind: 'create' } : { kind: 'create', previous },
      entry: {
        state: 'open',
        lastCommentAt: iso(now),
        seenSinceComment: 0,
        // A follow-up keeps when the fingerprint was first seen, not when its new issue opened.
        firstSeenAt: entry?.firstSeenAt ?? iso(now),
        findingId,
        ...(previous === undefined ? {} : { previous }),
      },
    };
  }
  // Before the window: the creator's own redelivery within it must never count as a duplicate.
  if (entry.findingId === findingId) {
    return {
      step: {
        kind: 'opened-by-this',
        ...(entry.number === undefined ? {} : { number: entry.number }),
        ...(entry.previous === undefined ? {} : { previous: entry.previous }),
      },
      entry: undefined,
    };
  }
  if (now - Date.parse(entry.lastCommentAt) < dedupeWindowMs) {
    return {
      step: { kind: 'duplicate' },
      entry: { ...entry, seenSinceComment: entry.seenSinceComment + 1 },
    };
  }
  return {
    step: {
      kind: 'comment',
      number: entry.number,
      count: entry.seenSinceComment + 1,
      since: entry.lastCommentAt,
    },
    entry: { ...entry, lastCommentAt: iso(now), seenSinceComment: 0 },
  };
}

export interface GroupPlan {
  /** One step per finding, in order. */
  readonly steps: readonly IssueStep[];
  /** The entry after the whole group; undefined: unchanged. */
  readonly entry: IssueIndexEntry | undefined;
}

/** Pure: the findings of one (repo, fingerprint), in order, each planned against the entry the previous left. */
export function planIssueGroup(
  findingIds: readonly string[],
  start: IssueIndexEntry | undefined,
  now: number,
  dedupeWindowMs: number,
): GroupPlan {
  let entry = start;
  let changed = false;
  const steps: IssueStep[] = [];
  for (const id of findingIds) {
    const planned = planIssueStep(id, entry, now, dedupeWindowMs);
    steps.push(planned.step);
    if (planned.entry) {
      entry = planned.entry;
      changed = true;
    }
  }
  return { steps, entry: changed ? entry : undefined };
}

/**
 * Where a dry run starts when it has opened nothing for the pair itself: from the REAL issue (an
 * open one's number, window and count; a closed one to follow up), so a dry run beside a real
 * relay announces what REAL would. Only the issue's fields are taken: REAL's claim and creator
 * are not the dry run's. A claim in flight or an entry without an issue: nothing to continue.
 */
export function continueFromReal(real: IssueIndexEntry | undefined): IssueIndexEntry | undefined {
  if (!real || real.state === 'creating' || real.number === undefined) return undefined;
  return {
    state: real.state,
    number: real.number,
    lastCommentAt: real.lastCommentAt,
    seenSinceComment: real.seenSinceComment,
    firstSeenAt: real.firstSeenAt,
  };
}
