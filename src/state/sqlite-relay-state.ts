import { resolve } from 'node:path';
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
import { openSqliteConnection, type SqliteOptions } from './sqlite-connection.js';
import { createSqliteKvStore } from './sqlite-kv-store.js';
import { migrate } from './sqlite-schema.js';
import { prepareRelayStatements } from './sqlite-statements.js';

export type { SqliteOptions } from './sqlite-connection.js';

const DUPLICATE = JSON.stringify({ kind: 'dropped', reason: 'duplicate' } satisfies RecordedOutcome);

/**
 * The relay state in one SQLite file (node:sqlite), shared safely by the processes of one host:
 * every call is one transaction, and a busy file is waited for asynchronously (sqlite-connection).
 */
export async function openSqliteRelayState(path: string, opts: SqliteOptions = {}): Promise<RelayState> {
  const conn = await openSqliteConnection(resolve(path), opts);
  try {
    await conn.write('migrate', () => migrate(conn.db));
  } catch (error) {
    conn.close();
    throw error;
  }
  const q = prepareRelayStatements(conn.db);
  const json = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : undefined);

  /** `shared` is written once per event per transaction (its channels carry the same value). */
  const enqueueOne = (r: EnqueueRequest, now: number, sharedDone: Set<string>): EnqueueResult => {
    const existing = q.selectDelivery.get(r.eventId, r.channel) as
      | { state: DeliveryState; outcome: string | null }
      | undefined;
    // A dead-lettered entry is queued afresh: that is `dlq replay` bringing the event back.
    if (existing?.state === 'dead-lettered') q.deleteDelivery.run(r.eventId, r.channel);
    else if (existing) {
      const outcome = json(existing.outcome) as RecordedOutcome | undefined;
      return outcome
        ? { status: 'already', state: existing.state, outcome }
        : { status: 'already', state: existing.state };
    }
    const row = [r.eventId, r.channel, r.target, r.fingerprint, r.priority, now] as const;
    if (r.window) {
      const w = q.selectWindow.get(r.window.scope, r.fingerprint) as
        | { since: number; event_id: string }
        | undefined;
      if (w && w.event_id !== r.eventId && now - w.since < r.window.windowMs) {
        const { count } = q.bumpWindow.get(r.window.scope, r.fingerprint) as { count: number };
        q.insertFinal.run(...row, DUPLICATE);
        return { status: 'duplicate', since: w.since, count };
      }
      if (!w || w.event_id !== r.eventId) {
        q.openWindow.run(r.window.scope, r.fingerprint, now, r.eventId, r.window.windowMs);
      }
    }
    q.insertQueued.run(...row, JSON.stringify(r.payload) ?? null);
    if (r.shared !== undefined && !sharedDone.has(r.eventId)) {
      q.putShared.run(r.eventId, JSON.stringify(r.shared));
      sharedDone.add(r.eventId);
    }
    return { status: 'queued' };
  };

  const completeOne = (c: Completion, now: number): void => {
    if (c.kind === 'retry') {
      q.retry.run(c.dueAt, c.cause, c.eventId, c.channel);
      return;
    }
    if (c.kind === 'done') q.finish.run('done', JSON.stringify(c.outcome), null, now, c.eventId, c.channel);
    else {
      const outcome = JSON.stringify({ kind: 'dead-lettered', reason: c.reason, detail: c.detail });
      q.finish.run('dead-lettered', outcome, c.detail, now, c.eventId, c.channel);
    }
    q.dropShared.run(c.eventId);
  };

  return {
    location: conn.location,
    backend: 'sqlite',
    kv: createSqliteKvStore(conn),

    enqueue: (requests, now) =>
      conn.write('enqueue', () => {
        const sharedDone = new Set<string>();
        return requests.map((r) => enqueueOne(r, now, sharedDone));
      }),

    takeDue: (lease, target, limit, now) =>
      conn.write('takeDue', () => {
        if (!q.takeLease.get(lease.name, lease.holder, now + lease.ttlMs, now)) {
          return { leased: false, entries: [] };
        }
        const rows = q.selectDue.all(target, now, Math.max(0, limit)) as unknown as DueRow[];
        return { leased: true, entries: rows.map(toEntry) };
      }),

    complete: (completions, now) =>
      conn.write('complete', () => {
        for (const c of completions) completeOne(c, now);
      }),

    releaseLease: (name, holder) =>
      conn.write('releaseLease', () => {
        q.releaseLease.run(name, holder);
      }),

    deliveries: (eventId) =>
      conn.read('deliveries', () =>
        (q.selectDeliveries.all(eventId) as unknown as RecordRow[]).map(
          (r): DeliveryRecord => ({
            channel: r.channel,
            state: r.state,
            attempts: r.attempts,
            ...(r.outcome !== null && { outcome: json(r.outcome) as RecordedOutcome }),
            ...(r.cause !== null && { cause: r.cause }),
            ...(r.finished_at !== null && { finishedAt: r.finished_at }),
          }),
        ),
      ),

    outboxStats: () =>
      conn.read('outboxStats', () =>
        STATE_CHANNELS.map((channel): OutboxStats => {
          const counted = q.outboxItems.get(channel) as { items: number } | undefined;
          const { oldest } = q.outboxOldest.get(channel) as { oldest: number | null };
          return { channel, items: counted?.items ?? 0, oldestEnqueuedAt: oldest ?? undefined };
        }),
      ),

    expire: (now, doneRetentionMs) =>
      conn.write('expire', () => {
        const before = now - doneRetentionMs;
        return (
          Number(q.expireDeliveries.run(before).changes) +
          Number(q.expireWindows.run(now).changes) +
          Number(q.expireLeases.run(before).changes) +
          Number(q.expireShared.run().changes)
        );
      }),

    close: async () => conn.close(),
  };
}

interface DueRow {
  event_id: string;
  channel: StateChannel;
  target: string;
  fingerprint: string;
  priority: number;
  payload: string | null;
  attempts: number;
  enqueued_at: number;
  shared: string | null;
}

interface RecordRow {
  channel: StateChannel;
  state: DeliveryState;
  outcome: string | null;
  cause: string | null;
  attempts: number;
  finished_at: number | null;
}

function toEntry(r: DueRow): OutboxEntry {
  return {
    eventId: r.event_id,
    channel: r.channel,
    target: r.target,
    fingerprint: r.fingerprint,
    priority: r.priority,
    payload: r.payload === null ? undefined : JSON.parse(r.payload),
    ...(r.shared !== null && { shared: JSON.parse(r.shared) }),
    attempts: r.attempts,
    enqueuedAt: r.enqueued_at,
  };
}
