import type { Finding } from '../../finding/schema.js';
import type { Outcome } from '../types.js';
import { type CreationResult, createUnderClaim, creatingEntry } from './create-issue-flow.js';
import { type BatchScope, failureOutcome, type RealDeps, timed } from './delivery-context.js';
import type { IndexRecord, IssueIndexEntry } from './issue-index.js';
import { type IssueStep, planIssueStep } from './issue-plan.js';
import { renderRecurrenceComment } from './render.js';
import { commentIssueRequest } from './requests.js';

type RealFinding = Finding & { repo: string };

/**
 * The Octokit executor for one finding: asks planIssueStep what the finding becomes against the
 * REAL entry read (none, open with its issue number, or closed) and carries the step out. Every
 * index change is a compare-and-swap at the generation read, made BEFORE the GitHub write it
 * guards; 'recheck' means it lost one, and deliverReal plans again from a fresh read.
 */
export async function runPlannedStep(
  deps: RealDeps,
  scope: BatchScope,
  finding: RealFinding,
  record: IndexRecord | undefined,
  now: number,
): Promise<CreationResult> {
  let current = record;
  let planned = planIssueStep(finding.id, current?.entry, now, deps.dedupeWindowMs);
  const recurs = planned.step.kind === 'duplicate' || planned.step.kind === 'comment';
  if (current && recurs && now - (current.entry.checkedAt ?? 0) >= deps.stateRecheckMs) {
    const confirmed = await confirmStillOpen(deps, scope, finding, current, now);
    if (confirmed === 'recheck' || 'kind' in confirmed) return confirmed;
    current = confirmed;
    planned = planIssueStep(finding.id, current.entry, now, deps.dedupeWindowMs);
  }
  // 'opened-by-this': the event that created the issue is back; nothing is sent again.
  if (planned.entry === undefined) {
    return { kind: 'sent', detail: `created ${finding.repo}#${planned.step.number}` };
  }
  const { step, entry } = planned;
  switch (step.kind) {
    case 'create':
      return createAsPlanned(deps, scope, finding, current, entry, step, now);
    // The plan counts and comments only against an entry, so `current` is set for both.
    case 'duplicate': {
      const counted = await deps.index.replace(finding.repo, finding.fingerprint, current!.generation, entry);
      return counted ? { kind: 'dropped', reason: 'duplicate' } : 'recheck';
    }
    case 'comment':
      return commentOncePerWindow(deps, scope, finding, current!, entry, step);
  }
}

/** Claims the pair (create-if-absent, or over the closed entry read), then creates under the claim. */
async function createAsPlanned(
  deps: RealDeps,
  scope: BatchScope,
  finding: RealFinding,
  current: IndexRecord | undefined,
  opened: IssueIndexEntry,
  step: Extract<IssueStep, { kind: 'create' }>,
  now: number,
): Promise<CreationResult> {
  const { repo, fingerprint } = finding;
  const claim = creatingEntry(deps, now, finding.id, opened);
  const claimed = current
    ? await deps.index.replace(repo, fingerprint, current.generation, claim)
    : await deps.index.create(repo, fingerprint, claim);
  if (!claimed) return 'recheck';
  return createUnderClaim(deps, scope, finding, {
    record: claimed,
    before: current,
    previous: step.previous,
    // Following up a closed issue: it may have been reopened since (then adopted, not duplicated).
    freshLookup: current !== undefined,
  });
}

/** Claims the window before commenting, so concurrent workers add at most one comment per window. */
async function commentOncePerWindow(
  deps: RealDeps,
  scope: BatchScope,
  finding: RealFinding,
  current: IndexRecord,
  windowClaimed: IssueIndexEntry,
  step: Extract<IssueStep, { kind: 'comment' }>,
): Promise<CreationResult> {
  const { repo, fingerprint } = finding;
  const claimed = await deps.index.replace(repo, fingerprint, current.generation, windowClaimed);
  if (!claimed) return 'recheck';
  // REAL entries without a number are claims in flight, settled before anything is planned.
  const number = step.number!;
  const body = renderRecurrenceComment(step.count, step.since, finding);
  const sent = await timed(deps, 'comment-issue', repo, () =>
    deps.client.send(commentIssueRequest(repo, number, body), { signal: scope.signal }),
  );
  if (sent.ok) return { kind: 'sent', detail: `commented on ${repo}#${number}` };
  // Surely not posted: give the window back. Maybe posted: keep it (at most one comment per window).
  if (!sent.mayHaveSucceeded) {
    await deps.index.replace(repo, fingerprint, claimed.generation, current.entry).catch(() => undefined);
  }
  return failureOutcome(sent);
}

/**
 * An open issue's state is re-read from GitHub at most every stateRecheckMs, so a recurrence after
 * it was closed (or deleted) opens a follow-up instead of commenting on it. The record to plan
 * from when it is still open; 'recheck' when it is closed (the next round follows it up) or the
 * entry changed meanwhile.
 */
async function confirmStillOpen(
  deps: RealDeps,
  scope: BatchScope,
  finding: RealFinding,
  record: IndexRecord,
  now: number,
): Promise<IndexRecord | Outcome | 'recheck'> {
  const { repo, fingerprint } = finding;
  const number = record.entry.number!;
  const got = await timed(deps, 'get-issue', repo, () => deps.client.getIssue(repo, number, scope.signal));
  const gone = !got.ok && (got.status === 404 || got.status === 410);
  if (!got.ok && !gone) return failureOutcome(got);
  const closed = gone || (got.ok && got.value.state === 'closed');
  const updated = await deps.index.replace(repo, fingerprint, record.generation, {
    ...record.entry,
    state: closed ? 'closed' : 'open',
    checkedAt: now,
  });
  return !updated || closed ? 'recheck' : updated;
}
