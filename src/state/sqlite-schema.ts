import type { DatabaseSync } from 'node:sqlite';

/**
 * The relay state's schema, as migrations: MIGRATIONS[i] takes a database from user_version i to
 * i + 1. Only ever append; a shipped migration is never edited (files in the field depend on it).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the outbox, claims and done records (one row per (event, channel)), windows and leases.
  `
  CREATE TABLE deliveries (
    event_id    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'done', 'dead-lettered')),
    target      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    payload     TEXT,              -- JSON; only while queued
    enqueued_at INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    cause       TEXT,
    outcome     TEXT,              -- JSON; once final
    finished_at INTEGER,
    PRIMARY KEY (event_id, channel)
  );
  -- takeDue walks this in its ORDER BY (rowid, implied last, is the enqueue order).
  CREATE INDEX deliveries_due ON deliveries (target, priority DESC, enqueued_at) WHERE state = 'queued';
  -- outboxStats: count and oldest per channel without touching final rows.
  CREATE INDEX deliveries_queued ON deliveries (channel, enqueued_at) WHERE state = 'queued';
  CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state <> 'queued';

  CREATE TABLE windows (
    scope       TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    since       INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    window_ms   INTEGER NOT NULL,
    PRIMARY KEY (scope, fingerprint)
  ) WITHOUT ROWID;
  CREATE INDEX windows_end ON windows (since + window_ms);

  CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: key/value with generations (the GitHub issue index). One counter for every key, so a key
  // deleted and created again never gets a generation it had before.
  `
  CREATE TABLE kv (
    key        TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    generation INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO meta (name, value) VALUES ('kv_generation', 0);
  `,
  // 3: queued entries counted as they come and go, so outboxStats costs the same at 100,000 queued
  // (a count over the index took ~16 ms there, with the event loop stopped).
  `
  CREATE TABLE outbox_counts (
    channel TEXT PRIMARY KEY,
    items   INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO outbox_counts (channel, items)
    SELECT channel, count(*) FROM deliveries WHERE state = 'queued' GROUP BY channel;
  CREATE TRIGGER outbox_counts_insert AFTER INSERT ON deliveries WHEN new.state = 'queued' BEGIN
    INSERT INTO outbox_counts (channel, items) VALUES (new.channel, 1)
      ON CONFLICT (channel) DO UPDATE SET items = items + 1;
  END;
  CREATE TRIGGER outbox_counts_finish AFTER UPDATE OF state ON deliveries
    WHEN old.state = 'queued' AND new.state <> 'queued' BEGIN
    UPDATE outbox_counts SET items = items - 1 WHERE channel = old.channel;
  END;
  CREATE TRIGGER outbox_counts_delete AFTER DELETE ON deliveries WHEN old.state = 'queued' BEGIN
    UPDATE outbox_counts SET items = items - 1 WHERE channel = old.channel;
  END;
  `,
  // 4: what every channel of an event carries (the finding and the original message), once per
  // event instead of once per channel row: it is most of an entry's bytes. Kept while one of the
  // event's channels is queued. Entries queued before this version keep their payload whole.
  `
  CREATE TABLE payloads (
    event_id TEXT PRIMARY KEY,
    body     TEXT NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/**
 * Brings the schema to `target` (default: the latest). Call inside a BEGIN IMMEDIATE transaction:
 * the version is read under the write lock, so of several processes opening one file at once
 * exactly one runs each migration. A file newer than this code is refused, never downgraded.
 */
export function migrate(db: DatabaseSync, target = SCHEMA_VERSION): void {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(`schema version ${from} is newer than this relay's ${SCHEMA_VERSION}: upgrade the relay`);
  }
  for (let version = from; version < target; version++) {
    db.exec(MIGRATIONS[version]!);
    db.exec(`PRAGMA user_version = ${version + 1}`);
  }
}
