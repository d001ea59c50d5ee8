import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Firestore } from '@google-cloud/firestore';
import { COLLECTIONS, type DeliveryDoc } from '../src/state/firestore-documents.js';

/**
 * What a relay run left in its state (STATE_URI: a sqlite file, or a project on the Firestore
 * emulator) and its dry-run ledger (STORAGE_URI).
 */
export interface StateCensus {
  /** Size of the database file and of its WAL, MB (0 on Firestore). */
  readonly fileMb: number;
  readonly walMb: number;
  /** Rows per table (sqlite), or documents per collection (Firestore). */
  readonly rows: Record<string, number>;
  /** deliveries rows by state. */
  readonly deliveries: { queued: number; done: number; deadLettered: number };
  /** Entries still queued (the outbox left when the relay stopped). */
  readonly outboxLeft: number;
  /**
   * Rows the dispatchers took (attempts > 0, or still queued): `channel:kind[:reason]` of their
   * final outcome, `channel:queued` while waiting. Rows final at intake (attempts 0: a duplicate
   * within the window) are left out: the ack's outcome already says so.
   */
  readonly dispatched: Record<string, number>;
  /** JSON Lines objects of the dry-run ledger (plain `.jsonl` files), and their records by action. */
  readonly ledgerObjects: number;
  readonly ledgerRecords: { total: number; createIssue: number; commentIssue: number };
}

const TABLES = ['deliveries', 'windows', 'leases', 'kv', 'outbox_counts', 'meta'] as const;

function ledgerFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => join(dir, f));
}

type LedgerCensus = Pick<StateCensus, 'ledgerObjects' | 'ledgerRecords'>;

function ledgerCensus(ledgerDir: string): LedgerCensus {
  const files = ledgerFiles(ledgerDir);
  const records = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { action?: string }),
  );
  const createIssue = records.filter((r) => r.action === 'create-issue').length;
  return {
    ledgerObjects: files.length,
    ledgerRecords: { total: records.length, createIssue, commentIssue: records.length - createIssue },
  };
}

/** `channel:queued` while waiting, else `channel:kind[:reason]` of the recorded outcome. */
function dispatchedKey(channel: string, state: string, kind: string | null, reason: string | null) {
  return state === 'queued'
    ? `${channel}:queued`
    : `${channel}:${kind ?? state}${reason ? `:${reason}` : ''}`;
}

/** Reads the state file read-only (the relay has stopped) and every ledger file under `ledgerDir`. */
export function takeStateCensus(stateFile: string, ledgerDir: string): StateCensus {
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
  const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  const db = new DatabaseSync(stateFile, { readOnly: true, timeout: 1_000 });
  try {
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    const rows: Record<string, number> = {};
    for (const table of TABLES) rows[table] = count(`SELECT count(*) AS n FROM ${table}`);
    const byState = (state: string) => count(`SELECT count(*) AS n FROM deliveries WHERE state = '${state}'`);
    const dispatched: Record<string, number> = {};
    const grouped = db
      .prepare(
        `SELECT channel, state, json_extract(outcome, '$.kind') AS kind,
                json_extract(outcome, '$.reason') AS reason, count(*) AS n
         FROM deliveries WHERE attempts > 0 OR state = 'queued'
         GROUP BY channel, state, kind, reason`,
      )
      .all() as Array<{
      channel: string;
      state: string;
      kind: string | null;
      reason: string | null;
      n: number;
    }>;
    for (const g of grouped) {
      const key = dispatchedKey(g.channel, g.state, g.kind, g.reason);
      dispatched[key] = (dispatched[key] ?? 0) + Number(g.n);
    }
    return {
      fileMb: mb(size(stateFile)),
      walMb: mb(size(`${stateFile}-wal`)),
      rows,
      deliveries: {
        queued: byState('queued'),
        done: byState('done'),
        deadLettered: byState('dead-lettered'),
      },
      outboxLeft: byState('queued'),
      dispatched,
      ...ledgerCensus(ledgerDir),
    };
  } finally {
    db.close();
  }
}

/**
 * A client of the bench's own on the Firestore emulator: what it reads is not counted among the
 * relay's reads (those are counted in the relay's process, src/state/firestore-calls.ts).
 */
export function benchFirestoreClient(host: string, projectId: string): Firestore {
  return new Firestore({
    projectId,
    host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
    // Told its universe, the client asks no metadata server for credentials it does not use.
    universeDomain: 'googleapis.com',
  });
}

/** Entries still queued: the sum of the relay's sharded queued counters. */
export async function queuedInFirestore(db: Firestore): Promise<number> {
  const snap = await db.collection(COLLECTIONS.counters).get();
  return snap.docs.reduce((n, d) => n + ((d.get('items') as number | undefined) ?? 0), 0);
}

/** The same census of a relay run's project on the Firestore emulator (the relay has stopped). */
export async function takeFirestoreCensus(
  host: string,
  projectId: string,
  ledgerDir: string,
): Promise<StateCensus> {
  const db = benchFirestoreClient(host, projectId);
  try {
    const rows: Record<string, number> = {};
    for (const [name, collection] of Object.entries(COLLECTIONS)) {
      if (name === 'deliveries') continue;
      rows[name] = (await db.collection(collection).count().get()).data().count;
    }
    const docs = (await db.collection(COLLECTIONS.deliveries).get()).docs.map((d) => d.data() as DeliveryDoc);
    rows.deliveries = docs.length;
    const byState = (state: string) => docs.filter((d) => d.state === state).length;
    const dispatched: Record<string, number> = {};
    for (const d of docs) {
      if (d.attempts === 0 && d.state !== 'queued') continue;
      const outcome = d.outcome ? (JSON.parse(d.outcome) as { kind?: string; reason?: string }) : {};
      const key = dispatchedKey(d.channel, d.state, outcome.kind ?? null, outcome.reason ?? null);
      dispatched[key] = (dispatched[key] ?? 0) + 1;
    }
    return {
      fileMb: 0,
      walMb: 0,
      rows,
      deliveries: {
        queued: byState('queued'),
        done: byState('done'),
        deadLettered: byState('dead-lettered'),
      },
      outboxLeft: byState('queued'),
      dispatched,
      ...ledgerCensus(ledgerDir),
    };
  } finally {
    await db.terminate();
  }
}

/**
 * A run's final outcomes per finding and channel: what the ack said, with every `queued` replaced
 * by what the dispatcher made of it (still `queued` if the outbox was not empty at the stop).
 */
export function finalOutcomes(
  ackOutcomes: Record<string, number>,
  census: StateCensus,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(ackOutcomes)) if (!key.endsWith(':queued')) out[key] = n;
  for (const [key, n] of Object.entries(census.dispatched)) out[key] = (out[key] ?? 0) + n;
  return out;
}
