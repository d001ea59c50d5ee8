import type { LedgerEntry, LedgerRequest, LedgerWriter } from '../ledger/types.js';
import type { Outcome, RoutedFinding } from '../types.js';
import type { DeliverySettings } from './delivery-context.js';
import { type IndexPair, type IssueIndex, type IssueIndexEntry, indexPairKey } from './issue-index.js';
import { continueFromReal, type IssueStep, planIssueGroup } from './issue-plan.js';
import { renderIssue, renderRecurrenceComment } from './render.js';
import { commentIssueRequest, createIssueRequest, DRY_RUN_ISSUE_PLACEHOLDER } from './requests.js';

export interface DryRunDeps extends DeliverySettings {
  readonly ledger: LedgerWriter;
  /** The dry-run namespace: what the dry run has "opened". */
  readonly index: IssueIndex;
  /** The REAL namespace, read only: a dry run continues from real issues that exist. */
  readonly realIndex: IssueIndex;
}

type DryRunFinding = RoutedFinding & { repo: string };

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The ledger executor: one dispatcher cycle of dry-run findings. The indexes are read in one call
 * each, every (repo, fingerprint) planned in memory by the plan REAL follows (planIssueGroup), the
 * steps appended to the ledger as the requests REAL would send (one object per flush), then the
 * index changes written in ONE transaction. So a cycle costs a few state calls however many
 * findings it holds. A group whose ledger write failed writes no index change and all its findings
 * are transient (retried from the outbox); a crash between the ledger and the index repeats at most
 * that cycle's records.
 */
export async function deliverDryRunBatch(
  deps: DryRunDeps,
  findings: readonly DryRunFinding[],
): Promise<Outcome[]> {
  const groups = new Map<string, { pair: IndexPair; at: number[] }>();
  findings.forEach((finding, at) => {
    const key = indexPairKey(finding);
    const group = groups.get(key) ?? {
      pair: { repo: finding.repo, fingerprint: finding.fingerprint },
      at: [],
    };
    group.at.push(at);
    groups.set(key, group);
  });
  const pairs = [...groups.values()].map((g) => g.pair);
  const dry = await deps.index.readMany(pairs);
  const unopened = pairs.filter((p) => !dry.has(indexPairKey(p)));
  const real = unopened.length === 0 ? new Map() : await deps.realIndex.readMany(unopened);

  const now = deps.clock.now();
  const outcomes: Outcome[] = new Array(findings.length);
  const writes: Array<IndexPair & { generation?: string; entry: IssueIndexEntry }> = [];
  await Promise.all(
    [...groups].map(async ([key, { pair, at }]) => {
      const members = at.map((i) => findings[i]!);
      const opened = dry.get(key);
      const plan = planIssueGroup(
        members.map((f) => f.id),
        opened?.entry ?? continueFromReal(real.get(key)?.entry),
        now,
        deps.dedupeWindowMs,
      );
      const results = await Promise.all(members.map((f, i) => record(deps, f, plan.steps[i]!)));
      const failed = results.find((r) => r.kind === 'transient');
      at.forEach((findingAt, i) => {
        outcomes[findingAt] = failed ?? results[i]!;
      });
      if (!failed && plan.entry) {
        // Created when the dry run had opened nothing yet, else replaced at the generation read.
        const precondition = opened === undefined ? {} : { generation: opened.generation };
        writes.push({ ...pair, ...precondition, entry: plan.entry });
      }
    }),
  );
  // Under the dispatcher's lease nobody else writes these keys; a write that still lost its
  // precondition (a lease lost mid-cycle) leaves the other holder's entry, and the records stand.
  if (writes.length > 0) await deps.index.writeMany(writes);
  return outcomes;
}

async function record(deps: DryRunDeps, finding: DryRunFinding, step: IssueStep): Promise<Outcome> {
  switch (step.kind) {
    case 'duplicate':
      return { kind: 'dropped', reason: 'duplicate' };
    // The opening event is back (its worker stopped between the index and recording done): its
    // outcome needs a ledger key, so its record is written again rather than called a duplicate.
    case 'opened-by-this':
    case 'create':
      return appendToLedger(
        deps,
        finding,
        'create-issue',
        createIssueRequest(
          finding.repo,
          renderIssue(finding, {
            label: deps.label,
            ...(step.previous === undefined ? {} : { previousIssue: step.previous }),
          }),
        ),
      );
    case 'comment':
      return appendToLedger(
        deps,
        finding,
        'comment-issue',
        commentIssueRequest(
          finding.repo,
          step.number ?? DRY_RUN_ISSUE_PLACEHOLDER,
          renderRecurrenceComment(step.count, step.since, finding),
        ),
      );
  }
}

async function appendToLedger(
  deps: DryRunDeps,
  finding: DryRunFinding,
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
