import { createMemoryStore } from './memory-store.js';
import {
  type Completion,
  type DeliveryRecord,
  type DeliveryState,
  type EnqueueRequest,
  type EnqueueResult,
  type OutboxEntry,
  type OutboxStats,
  type RecordedOutcome,
  type RelayState,
  STATE_CHANNELS,
  type StateChannel,
} from './relay-state.js';
import { StoreUnavailableError } from './store.js';

/** An in-process RelayState (same contract as sqlite and firestore) for unit tests of other modules. */
export interface MemoryRelayState extends RelayState {
  /** While on, every method (kv included) rejects with StoreUnavailableError, as an outage would. */
  setUnavailable(on: boolean): void;
}

interface Delivery {
  readonly eventId: string;
  readonly channel: StateChannel;
  readonly target: string;
  readonly fingerprint: string;
  readonly priority: number;
  readonly enqueuedAt: number;
  /** Insertion order: the last tie-breaker of takeDue, like sqlite's rowid. */
  readonly seq: number;
  payload: unknown;
  shared: unknown;
  state: DeliveryState;
  dueAt: number;
  attempts: number;
  cause?: string;
  outcome?: RecordedOutcome;
  finishedAt?: number;
}

interface Window {
  since: number;
  count: number;
  eventId: string;
  windowMs: number;
}

const DUPLICATE: RecordedOutcome = { kind: 'dropped', reason: 'duplicate' };

export function createMemoryRelayState(): MemoryRelayState {
  const deliveries = new Map<string, Delivery>();
  const windows = new Map<string, Window>();
  const leases = new Map<string, { holder: string; expiresAt: number }>();
  const kv = createMemoryStore();
  let seq = 0;
  let unavailable = false;
  let closed = false;

  // Each call settles on a later tick, as real I/O would; payloads are copied as JSON would be, so
  // a test can't pass by sharing an object with the store.
  const op = async <T>(name: string, body: () => T): Promise<T> => {
    await Promise.resolve();
    if (unavailable || closed) {
      throw new StoreUnavailableError(
        `memory relay state: ${name} failed: ${closed ? 'closed' : 'unavailable'}`,
      );
    }
    return body();
  };
  const copy = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));
  const key = (eventId: string, channel: string) => `${eventId}\u0000${channel}`;

  const enqueueOne = (r: EnqueueRequest, now: number): EnqueueResult => {
    const existing = deliveries.get(key(r.eventId, r.channel));
    // A dead-lettered entry is queued afresh: that is `dlq replay` bringing the event back.
    if (existing?.state === 'dead-lettered') deliveries.delete(key(r.eventId, r.channel));
    else if (existing) {
      return existing.outcome
        ? { status: 'already', state: existing.state, outcome: copy(existing.outcome) }
        : { status: 'already', state: existing.state };
    }
    const base = {
      eventId: r.eventId,
      channel: r.channel,
      target: r.target,
      fingerprint: r.fingerprint,
      priority: r.priority,
      enqueuedAt: now,
      seq: seq++,
      dueAt: now,
      attempts: 0,
    };
    if (r.window) {
      const windowKey = key(r.window.scope, r.fingerprint);
      const w = windows.get(windowKey);
      if (w && w.eventId !== r.eventId && now - w.since < r.window.windowMs) {
        w.count++;
        deliveries.set(key(r.eventId, r.channel), {
          ...base,
          payload: undefined,
          shared: undefined,
          state: 'done',
          outcome: DUPLICATE,
          finishedAt: now,
        });
        return { status: 'duplicate', since: w.since, count: w.count };
      }
      if (!w || w.eventId !== r.eventId) {
        windows.set(windowKey, { since: now, count: 1, eventId: r.eventId, windowMs: r.window.windowMs });
      }
    }
    deliveries.set(key(r.eventId, r.channel), {
      ...base,
      payload: copy(r.payload),
      shared: copy(r.shared),
      state: 'queued',
    });
    return { status: 'queued' };
  };

  const completeOne = (c: Completion, now: number): void => {
    const d = deliveries.get(key(c.eventId, c.channel));
    if (d?.state !== 'queued') return;
    d.attempts++;
    if (c.kind === 'retry') {
      d.dueAt = c.dueAt;
      d.cause = c.cause;
      return;
    }
    d.state = c.kind;
    d.finishedAt = now;
    d.payload = undefined; // only a queued entry needs them
    d.shared = undefined;
    if (c.kind === 'done') d.outcome = copy(c.outcome);
    else {
      d.outcome = { kind: 'dead-lettered', reason: c.reason, detail: c.detail };
      d.cause = c.detail;
    }
  };

  return {
    location: 'memory:',
    backend: 'memory',
    kv,
    enqueue: (requests, now) => op('enqueue', () => requests.map((r) => enqueueOne(r, now))),

    takeDue: (lease, target, limit, now) =>
      op('takeDue', () => {
        const held = leases.get(lease.name);
        if (held && held.holder !== lease.holder && held.expiresAt > now)
          return { leased: false, entries: [] };
        leases.set(lease.name, { holder: lease.holder, expiresAt: now + lease.ttlMs });
        const due = [...deliveries.values()]
          .filter((d) => d.state === 'queued' && d.target === target && d.dueAt <= now)
          .sort((a, b) => b.priority - a.priority || a.enqueuedAt - b.enqueuedAt || a.seq - b.seq)
          .slice(0, Math.max(0, limit));
        const entries = due.map(
          (d): OutboxEntry => ({
            eventId: d.eventId,
            channel: d.channel,
            target: d.target,
            fingerprint: d.fingerprint,
            priority: d.priority,
            payload: copy(d.payload),
            ...(d.shared !== undefined && { shared: copy(d.shared) }),
            attempts: d.attempts,
            enqueuedAt: d.enqueuedAt,
          }),
        );
        return { leased: true, entries };
      }),

    complete: (completions, now) =>
      op('complete', () => {
        for (const c of completions) completeOne(c, now);
      }),

    releaseLease: (name, holder) =>
      op('releaseLease', () => {
        if (leases.get(name)?.holder === holder) leases.delete(name);
      }),

    deliveries: (eventId) =>
      op('deliveries', () =>
        STATE_CHANNELS.flatMap((channel) => {
          const d = deliveries.get(key(eventId, channel));
          if (!d) return [];
          const record: DeliveryRecord = {
            channel,
            state: d.state,
            attempts: d.attempts,
            ...(d.outcome && { outcome: copy(d.outcome) }),
            ...(d.cause !== undefined && { cause: d.cause }),
            ...(d.finishedAt !== undefined && { finishedAt: d.finishedAt }),
          };
          return [record];
        }),
      ),

    outboxStats: () =>
      op('outboxStats', () =>
        STATE_CHANNELS.map((channel): OutboxStats => {
          const queued = [...deliveries.values()].filter(
            (d) => d.state === 'queued' && d.channel === channel,
          );
          const oldest = queued.length === 0 ? undefined : Math.min(...queued.map((d) => d.enqueuedAt));
          return { channel, items: queued.length, oldestEnqueuedAt: oldest };
        }),
      ),

    expire: (now, doneRetentionMs) =>
      op('expire', () => {
        let removed = 0;
        const drop = <V>(map: Map<string, V>, gone: (v: V) => boolean) => {
          for (const [k, v] of map) if (gone(v) && map.delete(k)) removed++;
        };
        drop(deliveries, (d) => d.state !== 'queued' && d.finishedAt! + doneRetentionMs <= now);
        drop(windows, (w) => w.since + w.windowMs <= now);
        drop(leases, (l) => l.expiresAt + doneRetentionMs <= now);
        return removed;
      }),

    close: async () => {
      closed = true;
    },
    setUnavailable: (on) => {
      unavailable = on;
      kv.setUnavailable(on);
    },
  };
}
