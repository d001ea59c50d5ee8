import type { Finding } from '../finding/schema.js';

export const CHANNELS = ['slack', 'github'] as const;
export type ChannelName = (typeof CHANNELS)[number];

export type DropReason =
  | 'mode-disabled'
  | 'below-severity'
  | 'not-allowlisted'
  | 'no-repo'
  | 'duplicate'
  | 'silenced';
export type PermanentReason = 'permanent-slack' | 'permanent-github';

/**
 * Where a route sent a finding (docs/contract.md §7): `route` names the route that decided the channel
 * (absent: the default); `webhook` the routed Slack webhook's name (absent: SLACK_WEBHOOK_URL);
 * `repo` a route's GitHub repo override (absent: the finding's own repo).
 */
export interface RouteChoice {
  route?: string;
  webhook?: string;
  repo?: string;
}

/** What the safety matrix and severity floors allow for one finding on one channel. */
export type Decision =
  | ({ do: 'deliver' } & RouteChoice)
  | ({ do: 'dry-run' } & RouteChoice)
  /** `silenceId`: set when reason is `silenced` (the silence that muted it). */
  | { do: 'drop'; reason: DropReason; silenceId?: string; route?: string };

/** A final outcome: the channel is done with this finding. */
export type FinalOutcome =
  | { kind: 'sent'; detail?: string }
  | { kind: 'dry-run'; ledgerKey: string }
  | { kind: 'dropped'; reason: DropReason; silenceId?: string; route?: string };

/** Durably in the outbox: its target's dispatcher will turn it into a final outcome (the message may be acked). */
export type QueuedOutcome = { kind: 'queued' };

/**
 * What a channel reports per finding. At intake: transient → nack (the store could not take it).
 * In a dispatcher: transient → retried from the outbox with backoff; permanent → dead-letter.
 */
export type Outcome =
  | FinalOutcome
  | QueuedOutcome
  | { kind: 'transient'; cause: string; retryAfterMs?: number }
  | { kind: 'permanent'; reason: PermanentReason; cause: string };

export function isFinal(outcome: Outcome): outcome is FinalOutcome {
  return outcome.kind === 'sent' || outcome.kind === 'dry-run' || outcome.kind === 'dropped';
}

/**
 * A finding as the outbox carries it: a route's repo override replaces `repo`, and the finding's
 * own repo stays in `routedFrom` so the issue still says where it was found.
 */
export type RoutedFinding = Finding & { readonly routedFrom?: string };

/** One finding handed to a channel, with the mode the matrix resolved for it. */
export interface DeliveryItem {
  /** The event id (idempotency key). */
  readonly eventId: string;
  readonly finding: RoutedFinding;
  readonly decision: 'deliver' | 'dry-run';
  /** Pub/Sub publish time in ms, for latency figures. */
  readonly publishedAt?: number;
}

/**
 * The one narrow interface every integration sits behind. A sink settles every item it is given
 * with an Outcome (never throws for a per-item failure) and never re-checks flags: routing decided.
 */
export interface ChannelSink {
  readonly channel: ChannelName;
  deliver(items: readonly DeliveryItem[], signal: AbortSignal): Promise<Map<DeliveryItem, Outcome>>;
  /** Flush anything batched and release resources (called on shutdown). */
  close?(): Promise<void>;
  /** How long until a send could go now (a rate limit's pacing); absent: at once. */
  readyInMs?(): number;
}
