import type { Clock } from '../../lib/clock.js';
import type { Attempt, RetryPolicy } from '../../lib/retry.js';
import type { Outcome } from '../types.js';
import type { GitHubClient, GitHubIssueSummary, GitHubResult } from './client.js';
import type { IssueIndex } from './issue-index.js';

/** One GitHub call, reported for metrics and logs (no secret in it). */
export interface GitHubCallInfo {
  readonly action: 'create-issue' | 'comment-issue' | 'list-issues' | 'get-issue';
  readonly repo: string;
  readonly ok: boolean;
  readonly status?: number;
  readonly durationMs: number;
}

/** What both delivery flows share, fixed for the sink's life. */
export interface DeliverySettings {
  readonly clock: Clock;
  /** '[LABEL] ' title prefix text; undefined in prod. */
  readonly label: string | undefined;
  readonly dedupeWindowMs: number;
  /** A 'creating' claim lapses after this long (a crashed worker's claim is taken over then). */
  readonly leaseMs: number;
  /**
   * How long a finding waits, holding its message, for another delivery's creation of its
   * issue to finish before it is handed back (transient).
   */
  readonly creationWaitMs: number;
  /** An open issue's state is re-read from GitHub at most this often (to notice it was closed). */
  readonly stateRecheckMs: number;
  readonly holder: string;
  readonly retryPolicy: RetryPolicy;
  readonly onCall?: (info: GitHubCallInfo) => void;
}

export type Listing = GitHubResult<{ issues: GitHubIssueSummary[]; complete: boolean }>;

/** Per deliver() call: the listing of a repo's relay issues is read once and shared by its findings. */
export interface BatchScope {
  readonly signal: AbortSignal;
  readonly listings: Map<string, Promise<Listing>>;
}

export interface RealDeps extends DeliverySettings {
  readonly client: GitHubClient;
  readonly index: IssueIndex;
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function failureOutcome(failure: Extract<Attempt<unknown>, { ok: false }>): Outcome {
  return failure.transient
    ? {
        kind: 'transient',
        cause: failure.cause,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
      }
    : { kind: 'permanent', reason: 'permanent-github', cause: failure.cause };
}

/** Runs a client call and reports it through onCall. */
export async function timed<T>(
  deps: RealDeps,
  action: GitHubCallInfo['action'],
  repo: string,
  run: () => Promise<GitHubResult<T>>,
): Promise<GitHubResult<T>> {
  const started = deps.clock.now();
  const result = await run();
  deps.onCall?.({
    action,
    repo,
    ok: result.ok,
    ...(!result.ok && result.status !== undefined ? { status: result.status } : {}),
    durationMs: Math.max(0, deps.clock.now() - started),
  });
  return result;
}
