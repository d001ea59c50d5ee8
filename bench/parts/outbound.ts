import type { ConsumerRun } from '../consumer-runs.js';
import { round } from '../stats.js';

export interface OutboundFigures {
  readonly n: number;
  /** Per 1,000 findings unless named otherwise. */
  readonly slackMessagesPer1k: number;
  readonly githubRequestsPer1k: number;
  /** What REAL mode would send: one request per ledger record (create-issue + comment-issue). */
  readonly realGithubRequestsPer1k: number;
  readonly ledgerObjectsPer1k: number;
  /** Rows the sqlite state holds afterwards (deliveries, windows, issue index, leases, counters). */
  readonly stateRowsPer1k: number;
  /** Committed state transactions of the relay process (intake, dispatchers, housekeeping). */
  readonly stateTxPer1k: number;
  /** Totals of the run, for checking. */
  readonly totals: {
    slackMessages: number;
    githubRequests: number;
    ledgerRecords: { total: number; createIssue: number; commentIssue: number };
    ledgerObjects: number;
    stateRows: Record<string, number>;
    stateTransactions: Record<string, number>;
  };
  /** A naive relay: one Slack message per finding Slack may announce, one issue per finding GitHub may take. */
  readonly naivePer1k: { slack: number; github: number };
}

const sum = (outcomes: Record<string, number>, prefix: string) =>
  Object.entries(outcomes)
    .filter(([key]) => key.startsWith(prefix))
    .reduce((a, [, v]) => a + v, 0);

/** Part 4, from one relay run over the N-finding corpus. */
export function outboundFigures(run: ConsumerRun): OutboundFigures {
  const n = run.published;
  const per1k = (x: number) => round((x / n) * 1000, 2);
  const census = run.census!;
  const outcomes = run.outcomes;
  const rows = Object.values(census.rows).reduce((a, b) => a + b, 0);
  const tx = run.consumer.stateTransactions ?? {};
  // Slack may announce what was sent or deduped; GitHub may take what was dry-run or deduped.
  const slackEligible = sum(outcomes, 'slack:sent') + sum(outcomes, 'slack:dropped:duplicate');
  const githubEligible = sum(outcomes, 'github:dry-run') + sum(outcomes, 'github:dropped:duplicate');
  return {
    n,
    slackMessagesPer1k: per1k(run.outbound.slackMessages),
    githubRequestsPer1k: per1k(run.outbound.githubRequests),
    realGithubRequestsPer1k: per1k(census.ledgerRecords.total),
    ledgerObjectsPer1k: per1k(census.ledgerObjects),
    stateRowsPer1k: per1k(rows),
    stateTxPer1k: per1k(Object.values(tx).reduce((a, b) => a + b, 0)),
    totals: {
      slackMessages: run.outbound.slackMessages,
      githubRequests: run.outbound.githubRequests,
      ledgerRecords: census.ledgerRecords,
      ledgerObjects: census.ledgerObjects,
      stateRows: census.rows,
      stateTransactions: tx,
    },
    naivePer1k: { slack: per1k(slackEligible), github: per1k(githubEligible) },
  };
}
