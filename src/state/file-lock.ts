import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** A lock whose content stays unchanged this long (summed over our own waits) belongs to a crashed holder. */
  staleMs: number;
  /**
   * Where this process keeps its holder file. Every lock path must be on the same file system
   * (a lock is a hard link to the holder file).
   */
  holderDir: string;
}

/**
 * Per-path mutual exclusion across processes on one machine.
 *
 * A lock is a hard link, at the lock path, to this process's *holder file*: `link()` is atomic
 * and fails with EEXIST while anyone holds the path, like an exclusive create, but allocates no
 * inode. (Creating and deleting a lock file per write was the file store's main cost on ext4:
 * every new inode is searched for past the recently deleted ones.) Within one process, callers
 * queue on a promise chain first, so only one of them polls the file, and a process never holds
 * one path twice at a time.
 *
 * Staleness, as before, is measured by the waits of the one who polls, so no wall clock is read:
 * a lock whose *content* stays the same for `staleMs` of waiting is broken (crashed holder). The
 * holder file holds `host pid uuid beat`; before linking, a holder whose content is older than
 * 1/16 of `staleMs` (monotonic time) rewrites it with the next beat, so a process that keeps
 * locking shows fresh content, and a lock stays unchanged that long only if one holding lasted
 * at least 15/16 of `staleMs` (the old scheme: a new token per holding, the whole `staleMs`).
 * The other side of it: a holding stuck for good (a file-system call that never returns) in a
 * process that keeps locking other paths is never broken; a crashed process's always is.
 *
 * Releasing needs no read-back when the holding was short: a breaker must have seen the lock
 * unchanged for `staleMs`, so a holding shorter than half of it cannot have been broken. A longer
 * one is checked, so a broken and re-taken lock of someone else is left alone.
 */
export function createFileLocks(options: FileLockOptions) {
  const { staleMs, holderDir } = options;
  const queues = new Map<string, Promise<unknown>>();
  const id = `${hostname()} ${process.pid} ${randomUUID()}`;
  const holderPath = `${holderDir}/${id.replaceAll(/[^A-Za-z0-9.-]/g, '_')}`;
  const beatEveryMs = staleMs / 16;
  let beat = 0;
  let beatAt = Number.NEGATIVE_INFINITY;
  let beating: Promise<void> | undefined;

  /**
   * Writes the next beat into the holder file (creating it, and its directory, if needed). In
   * place and at a fixed length, without truncating: a reader of a lock (a breaker, or our own
   * release) may read during the write, and must always see our id whole. (With truncation it
   * could read nothing, take our lock for someone else's, and leave it behind.)
   */
  const writeBeat = (): Promise<void> => {
    beating ??= (async () => {
      const content = `${id} ${String(++beat).padStart(15, '0')}`;
      const startedAt = performance.now();
      try {
        await writeFile(holderPath, content, { flag: 'r+' });
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
        await mkdir(holderDir, { recursive: true });
        await writeFile(holderPath, content, { flag: 'wx' });
      }
      holderFiles.add(holderPath);
      beatAt = startedAt;
    })().finally(() => {
      beating = undefined;
    });
    return beating;
  };

  const acquire = async (lockPath: string): Promise<number> => {
    let seen: string | undefined;
    let seenForMs = 0;
    let delayMs = 1;
    for (;;) {
      if (performance.now() - beatAt >= beatEveryMs) await writeBeat();
      const startedAt = performance.now();
      try {
        await link(holderPath, lockPath);
        return startedAt;
      } catch (error) {
        if (errnoOf(error) === 'ENOENT') {
          // The lock's directory is missing, or our holder file was removed: make both, again.
          await mkdir(dirname(lockPath), { recursive: true });
          beatAt = Number.NEGATIVE_INFINITY;
          continue;
        }
        if (errnoOf(error) === 'EMLINK') {
          // Our holder file is linked from as many held locks as the file system allows.
          await sleep(1);
          continue;
        }
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
      const holder = await readFile(lockPath, 'utf8').catch(absentAs(undefined));
      if (holder === undefined) continue; // released meanwhile
      if (holder.startsWith(`${id} `)) {
        // Ours, yet this process holds no lock on this path now (holdings of one path queue in
        // process): a release that failed (the store was unreachable) left it. Our beats keep
        // its content fresh, so it would never look stale: remove it and lock again.
        await unlink(lockPath).catch(absentAs(undefined));
        continue;
      }
      if (holder !== seen) [seen, seenForMs] = [holder, 0];
      if (seenForMs >= staleMs) {
        await breakStaleLock(lockPath, holder);
        seen = undefined;
        continue;
      }
      await sleep(delayMs);
      seenForMs += delayMs;
      delayMs = Math.min(delayMs * 2, 20);
    }
  };

  /** Removes our lock at `lockPath` if it is there; never a later holder's. */
  const removeOurs = async (lockPath: string): Promise<void> => {
    const holder = await readFile(lockPath, 'utf8').catch(absentAs(undefined));
    if (holder?.startsWith(`${id} `)) await unlink(lockPath).catch(absentAs(undefined));
  };

  /** Runs `task` after every earlier task on the same path of this process. */
  const queued = <T>(lockPath: string, task: () => Promise<T>): Promise<T> => {
    const previous = queues.get(lockPath) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    queues.set(lockPath, tail);
    void tail.then(() => {
      if (queues.get(lockPath) === tail) queues.delete(lockPath);
    });
    return result;
  };

  /**
   * A release that failed (the store unreachable) leaves our lock, which our beats keep fresh:
   * another process would wait for it forever. It is retried in the background, queued like a
   * holding (so it never removes a later holding of ours), until the lock is gone.
   */
  const retryRelease = (lockPath: string): void => {
    setTimeout(() => {
      queued(lockPath, () => removeOurs(lockPath)).catch(() => retryRelease(lockPath));
    }, staleMs / 4).unref();
  };

  const release = async (lockPath: string, acquiredAt: number): Promise<void> => {
    try {
      // Long enough to have been broken as stale: only our own lock goes, never a later holder's.
      if (performance.now() - acquiredAt >= staleMs / 2) await removeOurs(lockPath);
      else await unlink(lockPath).catch(absentAs(undefined));
    } catch (error) {
      retryRelease(lockPath);
      throw error;
    }
  };

  return {
    /** Runs `critical` while holding the lock at `lockPath`. */
    withLock<T>(lockPath: string, critical: () => Promise<T>): Promise<T> {
      return queued(lockPath, async () => {
        const acquiredAt = await acquire(lockPath);
        try {
          return await critical();
        } finally {
          await release(lockPath, acquiredAt);
        }
      });
    },
  };
}

/**
 * Holder files of this process, removed when it exits normally. A crashed process leaves its
 * holder file (a few bytes) behind; its locks are broken as stale all the same.
 */
const holderFiles = new Set<string>();
process.once('exit', () => {
  for (const path of holderFiles) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
});

/**
 * Moves the lock aside atomically (rename), so of several breakers only one gets it. If what it
 * moved is not the stale lock (its holder released and someone re-locked in between) it is put back.
 */
async function breakStaleLock(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}-stale-${randomUUID()}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw error;
  }
  if ((await readFile(aside, 'utf8')) !== staleContent) await link(aside, lockPath).catch(() => undefined);
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
