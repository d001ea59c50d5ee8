import { randomUUID } from 'node:crypto';
import { link, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
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
 * Layout: key `a/b/c` lives in directory `ROOT/a/b` as `c~object` (a header line with the
 * generation, then the data), with `c~lock` (held while writing), `c~tomb` (the last generation of
 * a deleted object, so a re-created key never reuses a generation) and `c~tmp-*` (being written).
 * Keys never contain `~`, so a key's file can't collide with a directory of a longer key.
 */
const OBJECT = '~object';
const HEADER = 'FRS1 ';

/**
 * A StateStore on a local directory, safe across processes on one machine: every write holds the
 * key's lock file; readers never lock and never see partial content (temp file, then link/rename).
 */
export function createFileStore(rootDir: string, options: FileStoreOptions = {}): StateStore {
  if (!isAbsolute(rootDir)) throw new TypeError(`file store root must be absolute: ${rootDir}`);
  const location = pathToFileURL(rootDir).href;
  const locks = createFileLocks({ staleMs: options.lockStaleMs ?? 5_000 });

  // Keys are checked (assertValidKey) before any path is built: segments are never empty, `.` or
  // `..`, so joining them to the normalised root by plain concatenation is already normal, and
  // much cheaper than path.join on every operation.
  const root = resolve(rootDir);
  const pathsOf = (key: string) => {
    const slash = key.lastIndexOf('/');
    const leaf = key.slice(slash + 1);
    const dir = slash < 0 ? root : `${root}${sep}${key.slice(0, slash).replaceAll('/', sep)}`;
    const at = (suffix: string) => `${dir}${sep}${leaf}${suffix}`;
    return {
      dir,
      object: at(OBJECT),
      lock: at('~lock'),
      tomb: at('~tomb'),
      temp: () => at(`~tmp-${randomUUID()}`),
    };
  };

  const readObject = async (key: string, path: string): Promise<StoredObject | undefined> => {
    const raw = await readWholeFile(path).catch(absentAs(undefined));
    if (raw === undefined) return undefined;
    const newline = raw.indexOf(0x0a);
    const header = raw.subarray(0, newline).toString();
    if (newline < 0 || !/^FRS1 \d+$/.test(header))
      throw new StoreUnavailableError(`${location}: "${key}" is corrupt`);
    return { key, generation: header.slice(HEADER.length), data: raw.subarray(newline + 1) };
  };

  /**
   * Writes and syncs a temp file, then publishes it with `link` (exclusive) or `rename` (replace).
   * Only called while holding the key's lock, whose file sits in the same directory: the
   * directory exists (the lock created it), so no mkdir here.
   */
  const publish = async (key: string, generation: number, data: Buffer | string, how: 'link' | 'rename') => {
    const paths = pathsOf(key);
    const temp = paths.temp();
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(Buffer.concat([Buffer.from(`${HEADER}${generation}\n`), Buffer.from(data)]));
      await file.datasync();
    } finally {
      await file.close();
    }
    let renamed = false;
    try {
      if (how === 'rename') renamed = await rename(temp, paths.object).then(() => true);
      else await link(temp, paths.object);
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') throw new PreconditionFailedError(`"${key}" already exists`);
      throw error;
    } finally {
      if (!renamed) await unlink(temp).catch(() => undefined);
    }
    return { key, generation: String(generation), data: Buffer.from(data) };
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
        if (!name.includes('~')) out.push(`${keyPrefix}${name}`);
      }
    }
  };

  return {
    location,
    createIfAbsent: (key, data) =>
      guard('createIfAbsent', key, async () => {
        const paths = pathsOf(key);
        if (await readObject(key, paths.object)) throw new PreconditionFailedError(`"${key}" already exists`);
        return locks.withLock(paths.lock, async () => {
          if (await readObject(key, paths.object))
            throw new PreconditionFailedError(`"${key}" already exists`);
          const tomb = await readFile(paths.tomb, 'utf8').catch(absentAs(undefined));
          if (tomb !== undefined && !/^\d+$/.test(tomb))
            throw new StoreUnavailableError(`${location}: "${key}" has a corrupt tombstone`);
          const created = await publish(key, Number(tomb ?? '0') + 1, data, 'link');
          // Tombstones are only written under this lock: none was read, so none is there to remove.
          if (tomb !== undefined) await unlink(paths.tomb).catch(absentAs(undefined));
          return created;
        });
      }),
    read: (key) => guard('read', key, () => readObject(key, pathsOf(key).object)),
    compareAndSwap: (key, generation, data) =>
      guard('compareAndSwap', key, () => {
        const paths = pathsOf(key);
        return locks.withLock(paths.lock, async () => {
          const current = await readObject(key, paths.object);
          if (current?.generation !== generation) {
            throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
          }
          return publish(key, Number(generation) + 1, data, 'rename');
        });
      }),
    delete: (key, generation) =>
      guard('delete', key, async () => {
        const paths = pathsOf(key);
        if (!(await readObject(key, paths.object))) return;
        await locks.withLock(paths.lock, async () => {
          const current = await readObject(key, paths.object);
          if (!current) return;
          if (generation !== undefined && current.generation !== generation) {
            throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
          }
          // The tombstone first: a crash in between leaves the object live, never a reusable generation.
          const temp = paths.temp();
          const file = await open(temp, 'wx');
          await file.writeFile(current.generation).finally(() => file.close());
          await rename(temp, paths.tomb);
          await unlink(paths.object);
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
