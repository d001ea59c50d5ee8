import type { StateStore } from './store.js';

/**
 * The relay's shared state, batch-oriented: every call takes a whole micro-batch (intake) or one
 * dispatcher cycle and runs as ONE transaction (SQLite) or commit (Firestore). Times are epoch ms
 * passed in by the caller (nothing here reads the clock). Backends: memory (tests), sqlite
 * (embedded default), firestore (a fleet; next issue). `relay-state-contract` runs one suite on each.
 */
export type StateChannel = 'slack' | 'github';

/** A final outcome as recorded (JSON): `{ kind: 'sent' | 'dry-run' | 'dropped', ... }`. */
export type RecordedOutcome = { readonly kind: string } & Readonly<Record<string, unknown>>;

/** One (event id, channel) a micro-batch wants to act on. */
export interface EnqueueRequest {
  readonly eventId: string;
  readonly channel: StateChannel;
  /**
   * The dispatcher that drains it: one per Slack webhook and per GitHub token (and mode), e.g.
   * `slack:<hash of webhook>` or `github:real:<hash of token>`. Never a secret itself.
   */
  readonly target: string;
  readonly fingerprint: string;
  /**
   * When set: the per-(scope, fingerprint) dedupe window is checked and set in the same
   * transaction. A fingerprint whose window (windowMs long) opened less than windowMs ago by
   * ANOTHER event makes this request `duplicate` (final, recorded as `dropped: duplicate`, and the
   * window's sighting count goes up); a window this same event opened is left as it is;
   * otherwise the window is (re)opened by this event (since = now, count 1).
   */
  readonly window?: { readonly scope: string; readonly windowMs: number };
  /** Higher first when a dispatcher takes entries (severity rank). */
  readonly priority: number;
  /** What this channel's dispatcher needs beyond `shared` (its decision). JSON. */
  readonly payload: unknown;
  /**
   * What every channel of this event carries (the finding and the original message), JSON: the
   * same value on each of the event's requests. A backend may keep it once per event (sqlite
   * does: it is most of an entry's bytes) and drops it once no channel of the event is queued.
   */
  readonly shared?: unknown;
}

export type EnqueueResult =
  /** New: an outbox entry now waits for the target's dispatcher. */
  | { readonly status: 'queued' }
  /**
   * This (event id, channel) was enqueued before (a redelivery): nothing new was written. A
   * dead-lettered entry is never `already`: enqueueing it again (a `dlq replay`) queues it afresh.
   */
  | {
      readonly status: 'already';
      readonly state: DeliveryState;
      readonly outcome?: RecordedOutcome;
    }
  /**
   * Within another event's window: recorded as final `dropped: duplicate`. `since` is when the
   * window opened; `count` the sightings in it so far, this one and the opening event included.
   */
  | { readonly status: 'duplicate'; readonly since: number; readonly count: number };

export type DeliveryState = 'queued' | 'done' | 'dead-lettered';

/** An outbox entry handed to a dispatcher. */
export interface OutboxEntry {
  readonly eventId: string;
  readonly channel: StateChannel;
  readonly target: string;
  readonly fingerprint: string;
  readonly priority: number;
  readonly payload: unknown;
  /** The event's `shared` value as enqueued (undefined when none was given). */
  readonly shared?: unknown;
  /** Dispatch attempts completed so far (0 on the first take; every completion adds one). */
  readonly attempts: number;
  readonly enqueuedAt: number;
}

export interface DispatcherLease {
  /** One name per target, e.g. the target itself. */
  readonly name: string;
  /** Who holds it (worker id). */
  readonly holder: string;
  readonly ttlMs: number;
}

/** What became of one entry a dispatcher took. */
export type Completion =
  | {
      readonly eventId: string;
      readonly channel: StateChannel;
      readonly kind: 'done';
      readonly outcome: RecordedOutcome;
    }
  | {
      readonly eventId: string;
      readonly channel: StateChannel;
      readonly kind: 'retry';
      /** When it may be taken again (backoff decided by the dispatcher). */
      readonly dueAt: number;
      readonly cause: string;
    }
  | {
      readonly eventId: string;
      readonly channel: StateChannel;
      readonly kind: 'dead-lettered';
      readonly reason: string;
      readonly detail: string;
    };

export interface DeliveryRecord {
  readonly channel: StateChannel;
  readonly state: DeliveryState;
  readonly outcome?: RecordedOutcome;
  /** Last transient cause while queued, or the dead-letter detail. */
  readonly cause?: string;
  readonly attempts: number;
  /** When it became final (done or dead-lettered); undefined while queued. */
  readonly finishedAt?: number;
}

export interface OutboxStats {
  readonly channel: StateChannel;
  /** Entries still queued. */
  readonly items: number;
  /** enqueuedAt of the oldest queued entry; undefined when none. */
  readonly oldestEnqueuedAt: number | undefined;
}

export interface RelayState {
  /** Safe to log: backend and location, no credentials (e.g. `sqlite:///var/lib/x.db`). */
  readonly location: string;
  readonly backend: 'memory' | 'sqlite' | 'firestore';

  /** One transaction: per request insert-if-absent, window check-and-set, outbox entry. Results in request order. */
  enqueue(requests: readonly EnqueueRequest[], now: number): Promise<EnqueueResult[]>;

  /**
   * One transaction: takes or renews the lease (free, expired, or already ours); while it is ours,
   * returns up to `limit` queued entries of `target` due at `now`, highest priority then oldest
   * first (then in enqueue order). `leased: false` (and no entries) when another holder's lease is
   * live. Taking marks nothing: the lease alone makes the holder the only taker, and entries it
   * took but never completed (a crash) are simply taken again by the next holder.
   */
  takeDue(
    lease: DispatcherLease,
    target: string,
    limit: number,
    now: number,
  ): Promise<{ leased: boolean; entries: OutboxEntry[] }>;

  /**
   * One transaction: records what became of entries taken; each completion adds one attempt. A done
   * or dead-lettered entry stays final (a later completion of it, or of an unknown entry, is
   * ignored). A dead-lettered entry records the outcome `{ kind: 'dead-lettered', reason, detail }`.
   */
  complete(completions: readonly Completion[], now: number): Promise<void>;

  /** Gives a lease up (shutdown), if still ours. */
  releaseLease(name: string, holder: string): Promise<void>;

  /** The recorded state of an event's channels (for /api/outcomes across the fleet). */
  deliveries(eventId: string): Promise<DeliveryRecord[]>;

  /** Queued entries per channel, one row for each channel even when empty (for /metrics, backpressure and the status page). */
  outboxStats(): Promise<OutboxStats[]>;

  /**
   * Deletes rows past their retention: deliveries final for longer than `doneRetentionMs`,
   * windows whose windowMs has passed (they would be reopened anyway), leases expired for longer
   * than `doneRetentionMs`. Never a queued entry. Returns rows removed.
   */
  expire(now: number, doneRetentionMs: number): Promise<number>;

  /** Key/value with generations, for the GitHub issue index (compare-and-swap per (repo, fingerprint)). */
  readonly kv: StateStore;

  close(): Promise<void>;
}

/** Every channel, in the order deliveries() and outboxStats() list them. */
export const STATE_CHANNELS: readonly StateChannel[] = ['github', 'slack'];
