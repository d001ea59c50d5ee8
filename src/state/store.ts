/**
 * The shared state store: a tiny object store with generations, enough for claims, the
 * fingerprint window, the GitHub issue index and the ledger. Keys are '/'-separated paths made
 * only by the relay (untrusted parts are encoded with encodeKeyPart before they get here).
 */
export interface StoredObject {
  key: string;
  data: Buffer;
  /** Monotonic per key; opaque string (GCS generation, or a file backend counter). */
  generation: string;
}

export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
}

/** The store could not be reached or answered with an error: retry later, never proceed unclaimed. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** One conditional write of writeMany: create-if-absent when `generation` is undefined, else compare-and-swap. */
export interface KvWrite {
  readonly key: string;
  readonly generation?: string;
  readonly data: Buffer | string;
}

export interface StateStore {
  /** A description safe to log (no credentials), e.g. `gs://bucket/prefix` or `file:///abs`. */
  readonly location: string;
  /** Creates the object only if no object exists under the key; otherwise PreconditionFailedError. */
  createIfAbsent(key: string, data: Buffer | string): Promise<StoredObject>;
  /** undefined when absent. */
  read(key: string): Promise<StoredObject | undefined>;
  /** Replaces the object only if its generation is still `generation`; otherwise PreconditionFailedError. */
  compareAndSwap(key: string, generation: string, data: Buffer | string): Promise<StoredObject>;
  /** Deletes; with a generation, only if it still matches (PreconditionFailedError otherwise). Absent is fine. */
  delete(key: string, generation?: string): Promise<void>;
  /** Keys under the prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Several keys in one read (one statement, one getAll): the objects found, by key. */
  readMany(keys: readonly string[]): Promise<Map<string, StoredObject>>;
  /**
   * Several conditional writes (distinct keys) in ONE transaction or commit: a dispatcher cycle's
   * index changes at once instead of one round trip each. Each write stands alone: one whose
   * precondition fails is skipped (undefined at its place in the result) and the others apply.
   */
  writeMany(writes: readonly KvWrite[]): Promise<Array<StoredObject | undefined>>;
}

/** Duplicate keys in one writeMany are a caller's bug: the writes would depend on their order. */
export function assertDistinctKeys(writes: readonly KvWrite[]): void {
  const keys = new Set(writes.map((w) => w.key));
  if (keys.size !== writes.length) throw new TypeError('writeMany: the same key twice in one call');
}

type SingleOps = Pick<StateStore, 'read' | 'createIfAbsent' | 'compareAndSwap'>;

/**
 * readMany and writeMany as one call per key, for a store with no batch of its own (a GCS
 * bucket: one object per key, no multi-object transaction). Same results, more round trips.
 */
export function oneByOne(store: SingleOps): Pick<StateStore, 'readMany' | 'writeMany'> {
  return {
    readMany: async (keys) => {
      const found = new Map<string, StoredObject>();
      for (const key of keys) {
        const o = await store.read(key);
        if (o) found.set(key, o);
      }
      return found;
    },
    writeMany: async (writes) => {
      assertDistinctKeys(writes);
      const results: Array<StoredObject | undefined> = [];
      for (const w of writes) {
        try {
          results.push(
            w.generation === undefined
              ? await store.createIfAbsent(w.key, w.data)
              : await store.compareAndSwap(w.key, w.generation, w.data),
          );
        } catch (error) {
          if (!(error instanceof PreconditionFailedError)) throw error;
          results.push(undefined);
        }
      }
      return results;
    },
  };
}
