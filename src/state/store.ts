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
}
