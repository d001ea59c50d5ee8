import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Every statement the relay state runs, prepared once per connection and reused by every call. */
export function prepareRelayStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    selectDelivery: p('SELECT state, outcome FROM deliveries WHERE event_id = ? AND channel = ?'),
    deleteDelivery: p('DELETE FROM deliveries WHERE event_id = ? AND channel = ?'),
    // (event_id, channel, target, fingerprint, priority, now, payload)
    insertQueued: p(`
      INSERT INTO deliveries
        (event_id, channel, target, fingerprint, priority, enqueued_at, due_at, state, payload)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 'queued', ?7)`),
    // (event_id, channel, target, fingerprint, priority, now, outcome): a duplicate, final at once.
    insertFinal: p(`
      INSERT INTO deliveries
        (event_id, channel, target, fingerprint, priority, enqueued_at, due_at, state, outcome, finished_at)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 'done', ?7, ?6)`),

    selectWindow: p('SELECT since, event_id FROM windows WHERE scope = ? AND fingerprint = ?'),
    bumpWindow: p('UPDATE windows SET count = count + 1 WHERE scope = ? AND fingerprint = ? RETURNING count'),
    // (scope, fingerprint, now, event_id, window_ms)
    openWindow: p(`
      INSERT INTO windows (scope, fingerprint, since, count, event_id, window_ms)
      VALUES (?1, ?2, ?3, 1, ?4, ?5)
      ON CONFLICT (scope, fingerprint) DO UPDATE
        SET since = excluded.since, count = 1, event_id = excluded.event_id, window_ms = excluded.window_ms`),

    // (name, holder, expires_at, now): a row comes back only when the lease is (now) ours.
    takeLease: p(`
      INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4
      RETURNING holder`),
    releaseLease: p('DELETE FROM leases WHERE name = ? AND holder = ?'),
    // (target, now, limit): served in order by the deliveries_due index.
    selectDue: p(`
      SELECT d.event_id, d.channel, d.target, d.fingerprint, d.priority, d.payload, d.attempts,
             d.enqueued_at, s.body AS shared
      FROM deliveries d LEFT JOIN payloads s ON s.event_id = d.event_id
      WHERE d.state = 'queued' AND d.target = ?1 AND d.due_at <= ?2
      ORDER BY d.priority DESC, d.enqueued_at, d.rowid
      LIMIT ?3`),

    // (event_id, body)
    putShared: p(`
      INSERT INTO payloads (event_id, body) VALUES (?1, ?2)
      ON CONFLICT (event_id) DO UPDATE SET body = excluded.body`),
    // (event_id): once none of the event's channels is queued.
    dropShared: p(`
      DELETE FROM payloads WHERE event_id = ?1
        AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = ?1 AND state = 'queued')`),

    // (due_at, cause, event_id, channel)
    retry: p(`
      UPDATE deliveries SET attempts = attempts + 1, due_at = ?1, cause = ?2
      WHERE event_id = ?3 AND channel = ?4 AND state = 'queued'`),
    // (state, outcome, cause, now, event_id, channel): the payload is only needed while queued.
    finish: p(`
      UPDATE deliveries
        SET attempts = attempts + 1, state = ?1, outcome = ?2, cause = coalesce(?3, cause),
            finished_at = ?4, payload = NULL
      WHERE event_id = ?5 AND channel = ?6 AND state = 'queued'`),

    selectDeliveries: p(`
      SELECT channel, state, outcome, cause, attempts, finished_at
      FROM deliveries WHERE event_id = ? ORDER BY channel`),
    // Both O(1)/O(log n): a counter kept by triggers, and one seek in deliveries_queued.
    outboxItems: p('SELECT items FROM outbox_counts WHERE channel = ?'),
    outboxOldest: p(
      "SELECT min(enqueued_at) AS oldest FROM deliveries WHERE state = 'queued' AND channel = ?",
    ),

    expireDeliveries: p("DELETE FROM deliveries WHERE state <> 'queued' AND finished_at <= ?"),
    expireWindows: p('DELETE FROM windows WHERE since + window_ms <= ?'),
    expireLeases: p('DELETE FROM leases WHERE expires_at <= ?'),
    // A payload whose event has nothing queued (dropShared covers completions; this, deletions).
    expireShared: p(`
      DELETE FROM payloads WHERE NOT EXISTS
        (SELECT 1 FROM deliveries d WHERE d.event_id = payloads.event_id AND d.state = 'queued')`),
  };
}
