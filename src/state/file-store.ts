import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { absentAs, createFileLocks, errnoOf, readWholeFile } from './file-lock.js';
import { assertValidKey, assertValidPrefix, compareKeys } from './keys.js';
import {
  PreconditionFailedError,
  type StateStore,
  type StoredObject,
  StoreUnavailableError,
} from './store.js';

export interface FileStoreOptions {
  /** How long a lock may stay unchanged before it counts as left by a crashed process. */
  lockStaleMs?: number;
}

/*
 * Layout: key `a/b/c` lives in directory `ROOT/a/b` as `c~object`: a header line, then the data.
 * The header is `FRS1 <generation>` for an object, `FRT1 <generation>` for a deleted one (a
 * tombstone: its last generation, so a re-created key never reuses one). Beside it, `c~lock` (a
 * lock, held while swapping or deleting) and `c~tmp-*` (being written). `ROOT/~holders` has one
 * holder file per process that takes locks (see file-lock.ts). Keys never contain `~`, so none of
 * these can collide with a key or with a directory of a longer key.
 *
 * Once a key's `~object` file exists it never goes away (a delete replaces it with a tombstone),
 * so an object that does not exist has never existed: its creation is a plain exclusive `link()`
 * at generation 1, with no lock. Everything else (swap, delete, re-creating over a tombstone)
 * holds the key's lock. (Stores of the earlier layout kept a deleted key's generation in a
 * separate `c~tomb` file; this code does not read those. No process of that version may share a
 * store with this one; generations do not outlive the process that read them.)
 */
const OBJECT = '~object';
const LIVE = 'FRS1 ';
const TOMB = 'FRT1 ';
const HOLDERS = '~holders';

type Found = { live: true; object: StoredObject } | { live: false; generation: string };

/** Directories known to exist, remembered up to this many (a new one per event for claims). */
const KNOWN_DIRS = 4096;

/**
 * A StateStore on a local directory, safe across processes on one machine: creating is an
 * exclusive link, every other write holds the key's lock; readers never lock and never see
 * partial content (temp file, then link/rename).
 */
export function createFileStore(rootDir: string, options: FileStoreOptions = {}): StateStore {
  if (!isAbsolute(rootDir)) throw new TypeError(`file store root must be absolute: ${rootDir}`);
  const location = pathToFileURL(rootDir).href;

  // Keys are checked (assertValidKey) before any path is built: segments are never empty, `.` or
  // `..`, so joining them to the normalised root by plain concatenation is already normal, and
  // much cheaper than path.join on every operation.
  const root = resolve(rootDir);
  const locks = createFileLocks({
    staleMs: options.lockStaleMs ?? 5_000,
    holderDir: `${root}${sep}${HOLDERS}`,
  });
  const pathsOf = (key: string) => {
    const slash = key.lastIndexOf('/');
    const leaf = key.slice(slash + 1);
    const dir = slash < 0 ? root : `${root}${sep}${key.slice(0, slash).replaceAll('/', sep)}`;
    const at = (suffix: string) => `${dir}${sep}${leaf}${suffix}`;
    return { dir, object: at(OBJECT), lock: at('~lock'), temp: () => at(`~tmp-${randomUUID()}`) };
  };

  /**
   * Directories made (or found) by this store; an entry only saves a mkdir: a write that finds
   * its directory gone after all (someone removed it) makes it again. Concurrent makers of one
   * directory share one mkdir.
   */
  const knownDirs = new Map<string, Promise<void>>();
  const ensureDir = (dir: string): Promise<void> => {
    let made = knownDirs.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true }).then(() => undefined);
      made.catch(() => knownDirs.delete(dir));
      knownDirs.set(dir, made);
      if (knownDirs.size > KNOWN_DIRS) knownDirs.delete(knownDirs.keys().next().value!);
    }
    return made;
  };

  const find = async (key: string, path: string): Promise<Found | undefined> => {
    const raw = await readWholeFile(path).catch(absentAs(undefined));
    if (raw === undefined) return undefined;
    const newline = raw.indexOf(0x0a);
    const header = newline < 0 ? '' : raw.subarray(0, newline).toString();
    if (!/^FR[ST]1 \d+$/.test(header)) throw new StoreUnavailableError(`${location}: "${key}" is corrupt`);
    const generation = header.slice(LIVE.length);
    if (header.startsWith(TOMB)) return { live: false, generation };
    return { live: true, object: { key, generation, data: raw.subarray(newline + 1) } };
  };
  const readObject = async (key: string, path: string) => {
    const found = await find(key, path);
    return found?.live ? found.object : undefined;
  };

  /**
   * Writes a temp file beside the key's object and syncs its data, so what a link or rename
   * publishes is on disk first: after a machine crash an object is there whole or not at all
   * (ext4 and others may otherwise keep the name and lose the content, and a key whose object
   * reads as corrupt stays unavailable). The store cannot tell a claim's done mark, which must
   * survive, from a lease it could lose, so every write syncs. Measured (bench/README.md): the
   * sync costs neither CPU nor throughput worth keeping it out for on this machine.
   */
  const writeTemp = async (dir: string, temp: string, content: Buffer): Promise<void> => {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(temp, 'wx');
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
      knownDirs.delete(dir); // removed since we made it
      await ensureDir(dir);
      file = await open(temp, 'wx');
    }
    try {
      await file.writeFile(content);
      await file.datasync();
    } finally {
      await file.close();
    }
  };
  const contentOf = (header: string, generation: number, data: Buffer | string = '') =>
    Buffer.concat([Buffer.from(`${header}${generation}\n`), Buffer.from(data)]);

  /**
   * Replaces the key's object (or tombstone) with a new content. Only while holding its lock,
   * whose file sits in the same directory: the directory exists.
   */
  const replace = async (paths: ReturnType<typeof pathsOf>, content: Buffer): Promise<void> => {
    const temp = paths.temp();
    await writeTemp(paths.dir, temp, content);
    try {
      await rename(temp, paths.object);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  };

  /** Creates the object of a key that has never existed; false when it exists (or is a tombstone). */
  const createNew = async (paths: ReturnType<typeof pathsOf>, data: Buffer | string): Promise<boolean> => {
    await ensureDir(paths.dir);
    const temp = paths.temp();
    await writeTemp(paths.dir, temp, contentOf(LIVE, 1, data));
    try {
      await link(temp, paths.object);
      return true;
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  };

  const guard = async <T>(op: string, key: string, body: () => Promise<T>): Promise<T> => {
    if (op === 'list') assertValidPrefix(key);
    else assertValidKey(key);
    try {
      return await body();
    } catch (error) {
      const code = errnoOf(error);
      if (code === undefined) throw error;
      throw new StoreUnavailableError(`${location}: ${op} "${key}" failed: ${code}`, { cause: error });
    }
  };

  const walk = async (dir: string, keyPrefix: string, filter: string, out: string[]): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(absentAs([]));
    for (const entry of entries) {
      if (!entry.name.startsWith(filter)) continue;
      if (entry.isDirectory() && !entry.name.includes('~')) {
        await walk(join(dir, entry.name), `${keyPrefix}${entry.name}/`, '', out);
      } else if (entry.isFile() && entry.name.endsWith(OBJECT)) {
        const name = entry.name.slice(0, -OBJECT.length);
        const key = `${keyPrefix}${name}`;
        if (name.includes('~')) continue;
        // A tombstone is no key: listing reads each object's header to tell. A corrupt one is
        // listed (reading it reports what is wrong).
        const found = await find(key, join(dir, entry.name)).catch((error: unknown) => {
          if (error instanceof StoreUnavailableError) return 'corrupt' as const;
          throw error;
        });
        if (found === 'corrupt' || found?.live) out.push(key);
      }
    }
  };

  const exists = (key: string) => new PreconditionFailedError(`"${key}" already exists`);
  const notAt = (key: string, generation: string) =>
    new PreconditionFailedError(`"${key}" is not at generation ${generation}`);

  return {
    location,
    createIfAbsent: (key, data) =>
      guard('createIfAbsent', key, async () => {
        const paths = pathsOf(key);
        // Read first: a create that fails on an existing key then costs no temp file (a new inode
        // and its deletion, the expensive part on ext4); a tombstone goes to the locked path.
        const before = await find(key, paths.object);
        if (before?.live) throw exists(key);
        if (!before && (await createNew(paths, data)))
          return { key, generation: '1', data: Buffer.from(data) };
        // A tombstone: the next generation after it, under the lock.
        return locks.withLock(paths.lock, async () => {
          const current = await find(key, paths.object);
          if (current?.live) throw exists(key);
          if (!current) {
            // Removed from outside the store: create it again (tombstones are only written
            // under this lock, so what beats us to it is a live object).
            if (await createNew(paths, data)) return { key, generation: '1', data: Buffer.from(data) };
            throw exists(key);
          }
          const generation = Number(current.generation) + 1;
          await replace(paths, contentOf(LIVE, generation, data));
          return { key, generation: String(generation), data: Buffer.from(data) };
        });
      }),
    read: (key) => guard('read', key, () => readObject(key, pathsOf(key).object)),
    compareAndSwap: (key, generation, data) =>
      guard('compareAndSwap', key, () => {
        const paths = pathsOf(key);
        return locks.withLock(paths.lock, async () => {
          const current = await readObject(key, paths.object);
          if (current?.generation !== generation) throw notAt(key, generation);
          const next = Number(generation) + 1;
          await replace(paths, contentOf(LIVE, next, data));
          return { key, generation: String(next), data: Buffer.from(data) };
        });
      }),
    delete: (key, generation) =>
      guard('delete', key, async () => {
        const paths = pathsOf(key);
        if (!(await readObject(key, paths.object))) return;
        await locks.withLock(paths.lock, async () => {
          const current = await readObject(key, paths.object);
          if (!current) return;
          if (generation !== undefined && current.generation !== generation) throw notAt(key, generation);
          await replace(paths, contentOf(TOMB, Number(current.generation)));
        });
      }),
    list: (prefix) =>
      guard('list', prefix, async () => {
        const segments = prefix.split('/');
        const partial = segments.pop()!;
        const keyPrefix = segments.map((s) => `${s}/`).join('');
        const out: string[] = [];
        await walk(join(rootDir, ...segments), keyPrefix, partial, out);
        return out.filter((k) => k.startsWith(prefix)).sort(compareKeys);
      }),
  };
}
