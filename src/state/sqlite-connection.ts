import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from './store.js';

export interface SqliteOptions {
  /**
   * How long one call may wait for another process's write lock INSIDE sqlite, with this
   * process's event loop stopped (node:sqlite is synchronous). Kept short; longer waits are spent
   * in asynchronous retries instead. Default 5 ms: with 4 processes on one file (2 cores), 0 and
   * 5 ms gave the same longest stalls, 20 ms and more longer ones (see the processes test).
   */
  readonly busyTimeoutMs?: number;
  /** How long a call keeps retrying a busy database before StoreUnavailableError. Default 10 s. */
  readonly busyRetryMs?: number;
}

/** One open database file and the only way to run work on it. */
export interface SqliteConnection {
  readonly db: DatabaseSync;
  /** `sqlite://<abs path>`: safe to log. */
  readonly location: string;
  /** `body` in one BEGIN IMMEDIATE … COMMIT (rolled back if it throws); retried while busy. */
  write<T>(op: string, body: () => T): Promise<T>;
  /** `body` in one deferred BEGIN … COMMIT: a consistent snapshot; WAL readers never wait for writers. */
  read<T>(op: string, body: () => T): Promise<T>;
  close(): void;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5;
const DEFAULT_BUSY_RETRY_MS = 10_000;
/** Backoff between busy retries: doubling from 1 ms, capped so a freed lock is noticed soon. */
const MAX_BACKOFF_MS = 20;

/**
 * Committed transactions of every connection in this process, by operation (`enqueue`, `takeDue`,
 * `complete`, `read`…): what `npm run bench` reports as state transactions per 1,000 findings.
 * A rolled-back or busy attempt is not counted.
 */
const committed = new Map<string, number>();

/** A copy of the committed-transaction counts of this process so far, by operation. */
export function committedTransactions(): Record<string, number> {
  return Object.fromEntries(committed);
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/**
 * Opens (creating its directory) the database at an absolute path with WAL and
 * synchronous=NORMAL, then runs `prepare` (migrations, statements) through the same busy retry.
 */
export async function openSqliteConnection(
  path: string,
  opts: SqliteOptions = {},
): Promise<SqliteConnection> {
  const location = `sqlite://${path}`;
  const busyRetryMs = opts.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS;
  let db: DatabaseSync;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { timeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw unavailable(location, 'open', error);
  }

  // The file we opened, to notice it deleted or replaced under us: sqlite itself would keep
  // writing to the unlinked inode, and every write would be silently lost.
  let identity: { dev: number; ino: number } | undefined;
  const checkFile = (op: string) => {
    let now: ReturnType<typeof statSync>;
    try {
      now = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw unavailable(location, op, error); // e.g. a directory made unreadable
    }
    if (!now || now.dev !== identity!.dev || now.ino !== identity!.ino) {
      throw new StoreUnavailableError(`${location}: ${op} failed: the database file is gone or was replaced`);
    }
  };

  const attempt = async <T>(op: string, once: () => T): Promise<T> => {
    const deadline = performance.now() + busyRetryMs;
    for (let tries = 0; ; tries++) {
      try {
        if (identity) checkFile(op);
        return once();
      } catch (error) {
        if (!isBusy(error)) throw isSqliteError(error) ? unavailable(location, op, error) : error;
        if (performance.now() >= deadline) {
          throw new StoreUnavailableError(`${location}: ${op} failed: still locked after ${busyRetryMs} ms`, {
            cause: error,
          });
        }
        await sleep(Math.min(2 ** tries, MAX_BACKOFF_MS));
      }
    }
  };

  const transaction = <T>(op: string, begin: string, body: () => T): T => {
    db.exec(begin);
    try {
      const result = body();
      db.exec('COMMIT');
      committed.set(op, (committed.get(op) ?? 0) + 1);
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };

  await attempt('open', () => {
    // journal_mode is persistent in the file; switching needs a moment of exclusive access.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    // After a checkpoint, shrink a WAL a burst made large instead of keeping it on disk for good.
    db.exec('PRAGMA journal_size_limit = 67108864');
  });
  const stat = statSync(path);
  identity = { dev: stat.dev, ino: stat.ino };

  return {
    db,
    location,
    write: (op, body) => attempt(op, () => transaction(op, 'BEGIN IMMEDIATE', body)),
    read: (op, body) => attempt(op, () => transaction(op, 'BEGIN', body)),
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}

function isSqliteError(error: unknown): error is Error & { code: string; errcode?: number } {
  const code = (error as { code?: unknown } | null)?.code;
  // ERR_INVALID_STATE: the database was closed.
  return error instanceof Error && (code === 'ERR_SQLITE_ERROR' || code === 'ERR_INVALID_STATE');
}

function isBusy(error: unknown): boolean {
  if (!isSqliteError(error)) return false;
  const primary = (error.errcode ?? 0) & 0xff; // extended codes (BUSY_SNAPSHOT…) share the low byte
  return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
}

/** sqlite's messages name tables and constraints, never bound values: safe to pass on. */
function unavailable(location: string, op: string, error: unknown): StoreUnavailableError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`${location}: ${op} failed: ${reason}`, { cause: error });
}
