import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Storage } from '@google-cloud/storage';
import { createGcsStore } from '../../state/gcs-store.js';
import { createFileLedgerStorage, type LedgerStorage } from './ledger-storage.js';

export type StorageLocation =
  | { kind: 'gs'; bucket: string; prefix: string }
  /** `relative` when the uri was `file://./dir` (the dev default): resolve it against a base dir. */
  | { kind: 'file'; path: string; relative: boolean };

/** GCS bucket names: 3–222 chars of lower-case letters, digits, `-`, `_` and `.`. */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * Parses STORAGE_URI: `gs://bucket[/prefix]`, `file:///abs/path`, or `file://./rel` (also
 * `file://../rel`). Throws a TypeError naming what is wrong; the uri holds no secret.
 */
export function parseStorageUri(uri: string): StorageLocation {
  const gs = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (gs) {
    const bucket = gs[1]!;
    if (!BUCKET.test(bucket))
      throw new TypeError(`STORAGE_URI ${uri}: "${bucket}" is not a valid bucket name`);
    return { kind: 'gs', bucket, prefix: (gs[2] ?? '').replace(/^\/+|\/+$/g, '') };
  }
  const relative = /^file:\/\/(\.\.?\/.*|\.\.?)$/.exec(uri);
  if (relative) return { kind: 'file', path: relative[1]!, relative: true };
  if (uri.startsWith('file:///')) {
    const path = fileURLToPath(uri);
    if (isAbsolute(path)) return { kind: 'file', path, relative: false };
  }
  throw new TypeError(`STORAGE_URI ${uri}: expected gs://bucket/prefix or file:///absolute/path`);
}

export interface OpenStoreDeps {
  /** Required for gs:// (built by the app, with its credentials and retry settings). */
  storage?: Storage;
  /** Base for a relative `file://./dir` uri (the app passes its working directory). */
  baseDir?: string;
}

/** Opens STORAGE_URI as the dry-run ledger's place: Cloud Storage objects, or plain files. */
export function openLedgerStorage(uri: string, deps: OpenStoreDeps = {}): LedgerStorage {
  const where = parseStorageUri(uri);
  if (where.kind === 'gs') {
    if (!deps.storage) throw new TypeError(`STORAGE_URI ${uri}: a gs:// store needs a Storage client`);
    return createGcsStore({ bucket: where.bucket, prefix: where.prefix, storage: deps.storage });
  }
  if (where.relative && deps.baseDir === undefined) {
    throw new TypeError(`STORAGE_URI ${uri}: a relative file:// store needs a base directory`);
  }
  const root = where.relative ? resolve(deps.baseDir!, where.path) : where.path;
  return createFileLedgerStorage(root);
}
