import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** A lock held unchanged this long (summed over our own waits) belongs to a crashed holder. */
  staleMs: number;
}

/**
 * Per-path mutual exclusion across processes on one machine: a lock file created with `wx`
 * holding a unique token. Within one process, callers queue on a promise chain first, so only
 * one of them polls the file. Age is measured by the waits of the one who polls, so no wall clock
 * is read: a lock seen with the same token for `staleMs` of waiting is broken (crashed holder).
 */
export function createFileLocks(options: FileLockOptions) {
  const queues = new Map<string, Promise<unknown>>();

  const acquire = async (lockPath: string): Promise<string> => {
    const token = `${hostname()} ${process.pid} ${randomUUID()}`;
    let seen: string | undefined;
    let seenForMs = 0;
    let delayMs = 1;
    for (;;) {
      try {
        await writeFile(lockPath, token, { flag: 'wx' });
        return token;
      } catch (error) {
        if (errnoOf(error) === 'ENOENT') {
          await mkdir(dirname(lockPath), { recursive: true });
          continue;
        }
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
      const holder = await readFile(lockPath, 'utf8').catch(absentAs(undefined));
      if (holder === undefined) continue; // released meanwhile
      if (holder !== seen) [seen, seenForMs] = [holder, 0];
      if (seenForMs >= options.staleMs) {
        await breakStaleLock(lockPath, holder);
        seen = undefined;
        continue;
      }
      await sleep(delayMs);
      seenForMs += delayMs;
      delayMs = Math.min(delayMs * 2, 20);
    }
  };

  const release = async (lockPath: string, token: string): Promise<void> => {
    // Only our own lock: if ours was broken as stale and taken by someone else, leave theirs.
    if ((await readWholeFile(lockPath).catch(absentAs(undefined)))?.toString('utf8') === token) {
      await unlink(lockPath).catch(absentAs(undefined));
    }
  };

  return {
    /** Runs `critical` while holding the lock at `lockPath`. */
    withLock<T>(lockPath: string, critical: () => Promise<T>): Promise<T> {
      const run = async () => {
        const token = await acquire(lockPath);
        try {
          return await critical();
        } finally {
          await release(lockPath, token);
        }
      };
      const previous = queues.get(lockPath) ?? Promise.resolve();
      const result = previous.then(run, run);
      const tail = result.catch(() => undefined);
      queues.set(lockPath, tail);
      void tail.then(() => {
        if (queues.get(lockPath) === tail) queues.delete(lockPath);
      });
      return result;
    },
  };
}

/**
 * Moves the lock aside atomically (rename), so of several breakers only one gets it. If what it
 * moved is not the stale lock (its holder released and someone re-locked in between) it is put back.
 */
async function breakStaleLock(lockPath: string, staleToken: string): Promise<void> {
  const aside = `${lockPath}-stale-${randomUUID()}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw error;
  }
  if ((await readFile(aside, 'utf8')) !== staleToken) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside);
}

/**
 * First read size: locks, claims, windows and index entries (all under ~1 KB) fit in one read,
 * and a buffer this small comes from Node's shared pool instead of a fresh allocation.
 */
const FIRST_READ_BYTES = 4000;

/**
 * A whole file with open + read + close; fs.readFile also fstats first, one more round trip to
 * the thread pool per read, and the store reads a file for every lock release and swap. A read
 * of a regular file comes back short only at its end (POSIX), and the store never changes a file
 * in place (it writes a temp file and links or renames it), so what is open is complete.
 */
export async function readWholeFile(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (let size = FIRST_READ_BYTES; ; size *= 2) {
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await file.read(buffer, 0, size, null);
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (bytesRead < size) break;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await file.close();
  }
}

export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** For `.catch`: ENOENT becomes `value`, anything else is rethrown. */
export function absentAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (errnoOf(error) === 'ENOENT') return value;
    throw error;
  };
}
