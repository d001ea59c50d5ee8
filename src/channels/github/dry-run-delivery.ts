import type { Finding } from '../../finding/schema.js';
import type { LedgerEntry, LedgerRequest, LedgerWriter } from '../ledger/types.js';
import type { Outcome } from '../types.js';
import { type DeliverySettings, iso } from './delivery-context.js';
import type { IndexRecord, IssueIndex } from './issue-index.js';
import { renderIssue, renderRecurrenceComment } from './render.js';
import { commentIssueRequest, createIssueRequest, DRY_RUN_ISSUE_PLACEHOLDER } from './requests.js';

export interface DryRunDeps extends DeliverySettings {
  readonly ledger: LedgerWriter;
  /** The dry-run namespace: what the dry run has "opened". */
  readonly index: IssueIndex;
  /** The REAL namespace, read only: a dry run continues from real issues that exist. */
  readonly realIndex: IssueIndex;
}

const MAX_ROUNDS = 8;
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One finding in dry-run: the same planning as REAL mode, but each would-be request is appended
 * to the ledger (outcome `dry-run` with the ledger key) and only the dry-run index changes. A
 * recurrence comments on the real issue number when the real index knows an open issue for the
 * fingerprint, else on DRY_RUN_ISSUE_PLACEHOLDER (the issue this dry run would have opened).
 */
export async function deliverDryRun(deps: DryRunDeps, finding: Finding & { repo: string }): Promise<Outcome> {
  const { repo, fingerprint } = finding;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = deps.clock.now();
    const record = await deps.index.read(repo, fingerprint);
    if (record) {
      const result = await recur(deps, finding, record, now);
      if (result) return result;
      continue;
    }
    const real = (await deps.realIndex.read(repo, fingerprint))?.entry;
    if (real?.state === 'open' && real.number !== undefined) {
      // Continue from the real issue: its number, its window and its count.
      await deps.index.create(repo, fingerprint, {
        state: 'open',
        number: real.number,
        lastCommentAt: real.lastCommentAt,
        seenSinceComment: real.seenSinceComment,
        firstSeenAt: real.firstSeenAt,
      });
      continue;
    }
    const previous = real?.state === 'closed' ? real.number : undefined;
    const claimed = await deps.index.create(repo, fingerprint, {
      state: 'open',
      lastCommentAt: iso(now),
      seenSinceComment: 0,
      firstSeenAt: iso(now),
      findingId: finding.id,
      ...(previous !== undefined ? { previous } : {}),
    });
    if (!claimed) continue;
    const request = createIssueRequest(
      repo,
      renderIssue(finding, { label: deps.label, previousIssue: previous }),
    );
    const outcome = await appendToLedger(deps, finding, 'create-issue', request);
    if (outcome.kind !== 'dry-run')
      await deps.index.remove(repo, fingerprint, claimed.generation).catch(() => undefined);
    return outcome;
  }
  return {
    kind: 'transient',
    cause: 'GitHub dry-run index: too many concurrent updates for this fingerprint',
  };
}

async function recur(
  deps: DryRunDeps,
  finding: Finding & { repo: string },
  record: IndexRecord,
  now: number,
): Promise<Outcome | undefined> {
  const { repo, fingerprint } = finding;
  const entry = record.entry;
  if (entry.findingId === finding.id && entry.number === undefined) {
    // This event opened the would-be issue and is back: its worker stopped between the index and
    // the ledger write (or before recording done). Write its record rather than call it a duplicate.
    const request = createIssueRequest(
      repo,
      renderIssue(finding, { label: deps.label, previousIssue: entry.previous }),
    );
    return appendToLedger(deps, finding, 'create-issue', request);
  }
  if (now - Date.parse(entry.lastCommentAt) < deps.dedupeWindowMs) {
    const counted = await deps.index.replace(repo, fingerprint, record.generation, {
      ...entry,
      seenSinceComment: entry.seenSinceComment + 1,
    });
    return counted ? { kind: 'dropped', reason: 'duplicate' } : undefined;
  }
  const claimed = await deps.index.replace(repo, fingerprint, record.generation, {
    ...entry,
    lastCommentAt: iso(now),
    seenSinceComment: 0,
  });
  if (!claimed) return undefined;
  const body = renderRecurrenceComment(entry.seenSinceComment + 1, entry.lastCommentAt, finding);
  const request = commentIssueRequest(repo, entry.number ?? DRY_RUN_ISSUE_PLACEHOLDER, body);
  const outcome = await appendToLedger(deps, finding, 'comment-issue', request);
  if (outcome.kind !== 'dry-run') {
    await deps.index.replace(repo, fingerprint, claimed.generation, entry).catch(() => undefined);
  }
  return outcome;
}

async function appendToLedger(
  deps: DryRunDeps,
  finding: Finding,
  action: LedgerEntry['action'],
  request: LedgerRequest,
): Promise<Outcome> {
  try {
    const ledgerKey = await deps.ledger.append({
      findingId: finding.id,
      fingerprint: finding.fingerprint,
      action,
      request,
    });
    return { kind: 'dry-run', ledgerKey };
  } catch (error) {
    return { kind: 'transient', cause: `dry-run ledger write failed: ${describe(error)}` };
  }
}
