import type { Clock } from '../../lib/clock.js';
import { defaultRetryPolicy, type RetryPolicy } from '../../lib/retry.js';
import { untilStoreAnswers } from '../../lib/store-wait.js';
import { type StateStore, StoreUnavailableError } from '../../state/store.js';
import type { LedgerWriter } from '../ledger/types.js';
import type { ChannelSink, DeliveryItem, Outcome } from '../types.js';
import type { GitHubClient } from './client.js';
import type { BatchScope, DeliverySettings, GitHubCallInfo, Listing } from './delivery-context.js';
import { deliverDryRunBatch } from './dry-run-delivery.js';
import { IssueIndex } from './issue-index.js';
import { deliverReal } from './real-delivery.js';

export type { GitHubCallInfo } from './delivery-context.js';

export interface GitHubSinkDeps {
  /** Needed for items decided 'deliver' (REAL); without it they stay transient. */
  readonly client: GitHubClient | undefined;
  /** Receives the would-be requests of items decided 'dry-run'. */
  readonly ledger: LedgerWriter;
  readonly store: StateStore;
  /** Title prefix label outside prod (`STAGING` or `[STAGING] `); undefined in prod. */
  readonly label: string | undefined;
  readonly dedupeWindowS: number;
  readonly clock: Clock;
  readonly onCall?: (info: GitHubCallInfo) => void;
  /** Names this worker in claims (for operators). Default 'finding-relay'. */
  readonly holder?: string;
  /**
   * Default 2 min. The claim is renewed just before each create request goes out, so the lease
   * only has to cover one request (15 s timeout) and the index write after it; a crashed
   * creator's claim blocks its fingerprint for this long.
   */
  readonly leaseMs?: number;
  /** Default 5 min. */
  readonly stateRecheckMs?: number;
  /** Default 30 s: see DeliverySettings.creationWaitMs. */
  readonly creationWaitMs?: number;
  /** Retries of a create within one delivery. Default lib/retry's defaultRetryPolicy. */
  readonly retryPolicy?: RetryPolicy;
  /** Told once per delivery that starts waiting out a state store outage (for a log line). */
  readonly onStoreWait?: (finding: { id: string }, error: unknown) => void;
  /** How long one delivery waits out a state store outage before handing back. Default 60 s. */
  readonly storeOutageWaitMs?: number;
  /** Fingerprint groups handled at once. Default 8 (writes are paced by the client anyway). */
  readonly concurrency?: number;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The GitHub channel. Items are grouped by (mode, repo, fingerprint); a group runs serially, so
 * 50 findings sharing a fingerprint make one issue and at most one comment. Groups run side by
 * side. Every item gets an outcome; nothing is thrown for one item's failure.
 */
export function createGitHubSink(deps: GitHubSinkDeps): ChannelSink {
  const settings: DeliverySettings = {
    clock: deps.clock,
    label: deps.label,
    dedupeWindowMs: deps.dedupeWindowS * 1000,
    leaseMs: deps.leaseMs ?? 120_000,
    stateRecheckMs: deps.stateRecheckMs ?? 300_000,
    creationWaitMs: deps.creationWaitMs ?? 30_000,
    holder: deps.holder ?? 'finding-relay',
    retryPolicy: deps.retryPolicy ?? defaultRetryPolicy,
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
  };
  const realIndex = new IssueIndex(deps.store, 'real');
  const dryRunIndex = new IssueIndex(deps.store, 'dry-run');
  const concurrency = Math.max(1, deps.concurrency ?? 8);

  async function deliverOneReal(item: DeliveryItem, scope: BatchScope): Promise<Outcome> {
    const { finding } = item;
    if (!finding.repo) return { kind: 'dropped', reason: 'no-repo' };
    const target = { ...finding, repo: finding.repo };
    if (scope.signal.aborted) return { kind: 'transient', cause: 'GitHub delivery stopped: shutting down' };
    if (!deps.client)
      return { kind: 'transient', cause: 'GitHub REAL delivery without a client (no token configured)' };
    const client = deps.client;
    try {
      // A store outage mid-delivery (an issue created, its index entry not yet written) is
      // waited out here rather than handed back: every hand-back burns a delivery attempt.
      return await untilStoreAnswers(
        () => deliverReal({ ...settings, client, index: realIndex }, scope, target),
        { clock: deps.clock, signal: scope.signal },
        (error) => deps.onStoreWait?.(finding, error),
        {
          retryIf: (error) => error instanceof StoreUnavailableError,
          ...(deps.storeOutageWaitMs === undefined ? {} : { maxWaitMs: deps.storeOutageWaitMs }),
        },
      );
    } catch (error) {
      // The store being unreachable (or a shutdown) leaves the finding to be redelivered.
      return { kind: 'transient', cause: `GitHub delivery: ${describe(error)}` };
    }
  }

  /** Every dry-run item of a cycle at once: a few state calls for the whole cycle. */
  async function deliverDryRun(
    items: readonly DeliveryItem[],
    outcomes: Map<DeliveryItem, Outcome>,
    signal: AbortSignal,
  ) {
    const withRepo: Array<DeliveryItem & { finding: { repo: string } }> = [];
    for (const item of items) {
      if (signal.aborted)
        outcomes.set(item, { kind: 'transient', cause: 'GitHub delivery stopped: shutting down' });
      else if (item.finding.repo) withRepo.push(item as DeliveryItem & { finding: { repo: string } });
      else outcomes.set(item, { kind: 'dropped', reason: 'no-repo' });
    }
    if (withRepo.length === 0) return;
    try {
      const results = await deliverDryRunBatch(
        { ...settings, ledger: deps.ledger, index: dryRunIndex, realIndex },
        withRepo.map((item) => item.finding),
      );
      withRepo.forEach((item, i) => {
        outcomes.set(item, results[i]!);
      });
    } catch (error) {
      for (const item of withRepo)
        outcomes.set(item, { kind: 'transient', cause: `GitHub dry run: ${describe(error)}` });
    }
  }

  return {
    channel: 'github',
    async deliver(items, signal) {
      const outcomes = new Map<DeliveryItem, Outcome>();
      const dryRun = items.filter((item) => item.decision === 'dry-run');
      const dryRunDone = deliverDryRun(dryRun, outcomes, signal);
      const groups = new Map<string, DeliveryItem[]>();
      for (const item of items) {
        if (item.decision === 'dry-run') continue;
        const key = JSON.stringify([item.finding.repo?.toLowerCase() ?? null, item.finding.fingerprint]);
        const group = groups.get(key) ?? [];
        group.push(item);
        groups.set(key, group);
      }
      const scope: BatchScope = { signal, listings: new Map<string, Promise<Listing>>() };
      const queue = [...groups.values()];
      const worker = async () => {
        for (let group = queue.shift(); group; group = queue.shift()) {
          for (const item of group) outcomes.set(item, await deliverOneReal(item, scope));
        }
      };
      await Promise.all([dryRunDone, ...Array.from({ length: Math.min(concurrency, queue.length) }, worker)]);
      return outcomes;
    },
  };
}
