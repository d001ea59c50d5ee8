import { assertValidKey, assertValidPrefix, compareKeys } from './keys.js';
import {
  assertDistinctKeys,
  PreconditionFailedError,
  type StateStore,
  type StoredObject,
  StoreUnavailableError,
} from './store.js';

/** An in-process StateStore (same contract as the real backends) for unit tests of other modules. */
export interface MemoryStateStore extends StateStore {
  /** While on, every method rejects with StoreUnavailableError, as a real store outage would. */
  setUnavailable(on: boolean): void;
}

export function createMemoryStore(): MemoryStateStore {
  const objects = new Map<string, { data: Buffer; generation: number }>();
  // One counter for all keys: a key deleted and created again never reuses a generation.
  let nextGeneration = 1;
  let unavailable = false;

  // Each call settles on a later tick, as real I/O would, so callers can't rely on synchronicity.
  const op = async <T>(name: string, key: string, body: () => T): Promise<T> => {
    if (name === 'list') assertValidPrefix(key);
    else assertValidKey(key);
    await Promise.resolve();
    if (unavailable) throw new StoreUnavailableError(`memory store: ${name} "${key}" failed: unavailable`);
    return body();
  };
  const put = (key: string, data: Buffer | string): StoredObject => {
    const generation = nextGeneration++;
    objects.set(key, { data: Buffer.from(data), generation });
    return { key, data: Buffer.from(data), generation: String(generation) };
  };

  return {
    location: 'memory:',
    createIfAbsent: (key, data) =>
      op('createIfAbsent', key, () => {
        if (objects.has(key)) throw new PreconditionFailedError(`"${key}" already exists`);
        return put(key, data);
      }),
    read: (key) =>
      op('read', key, () => {
        const o = objects.get(key);
        return o && { key, data: Buffer.from(o.data), generation: String(o.generation) };
      }),
    compareAndSwap: (key, generation, data) =>
      op('compareAndSwap', key, () => {
        const o = objects.get(key);
        if (!o || String(o.generation) !== generation) {
          throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
        }
        return put(key, data);
      }),
    delete: (key, generation) =>
      op('delete', key, () => {
        const o = objects.get(key);
        if (!o) return;
        if (generation !== undefined && String(o.generation) !== generation) {
          throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
        }
        objects.delete(key);
      }),
    list: (prefix) =>
      op('list', prefix, () => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys)),
    readMany: async (keys) => {
      for (const key of keys) assertValidKey(key);
      await Promise.resolve();
      if (unavailable) throw new StoreUnavailableError('memory store: readMany failed: unavailable');
      const found = new Map<string, StoredObject>();
      for (const key of keys) {
        const o = objects.get(key);
        if (o) found.set(key, { key, data: Buffer.from(o.data), generation: String(o.generation) });
      }
      return found;
    },
    writeMany: async (writes) => {
      for (const w of writes) assertValidKey(w.key);
      assertDistinctKeys(writes);
      await Promise.resolve();
      if (unavailable) throw new StoreUnavailableError('memory store: writeMany failed: unavailable');
      return writes.map((w) => {
        const o = objects.get(w.key);
        const ok = w.generation === undefined ? !o : o !== undefined && String(o.generation) === w.generation;
        return ok ? put(w.key, w.data) : undefined;
      });
    },
    setUnavailable: (on) => {
      unavailable = on;
    },
  };
}
