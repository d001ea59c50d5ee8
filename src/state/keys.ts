import { createHash } from 'node:crypto';

/** Readable characters kept from the input, so an operator browsing the store can tell keys apart. */
const READABLE_CHARS = 40;

/**
 * Turns an untrusted string (a fingerprint, repo name, event id…) into one safe key segment:
 * `<readable>-<sha256 hex>`. The readable part keeps up to 40 of the input's ASCII letters and
 * digits (anything else becomes `_`); the hash makes the mapping injective. The output matches
 * /^[A-Za-z0-9_]{0,40}-[0-9a-f]{64}$/: never `.`/`..`, never a `/`, at most 105 characters, and
 * stable across versions (keys already stored depend on it).
 */
export function encodeKeyPart(untrusted: string): string {
  const readable = untrusted.slice(0, READABLE_CHARS).replace(/[^A-Za-z0-9]/g, '_');
  const hash = createHash('sha256').update(untrusted, 'utf8').digest('hex');
  return `${readable}-${hash}`;
}

/** One segment of a store key: what the relay's own key builders produce. */
const SEGMENT = /^[A-Za-z0-9._:=-]{1,200}$/;
const MAX_KEY_LENGTH = 900;

/**
 * Keys are `/`-separated segments of [A-Za-z0-9._:=-], no `.`/`..`/empty segment: every backend
 * refuses anything else (a bug in a key builder, never untrusted input: that goes through
 * encodeKeyPart), so no key can escape a file store's root or forge another prefix's objects.
 * (`~` is deliberately outside the alphabet: the file store names its own files with it.)
 */
export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new TypeError(`invalid state store key ${JSON.stringify(key.slice(0, 120))}`);
}

export function isValidKey(key: string): boolean {
  return (
    key.length <= MAX_KEY_LENGTH && key.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')
  );
}

/** A list prefix: a key prefix, possibly ending inside a segment or with `/`; `''` lists everything. */
export function assertValidPrefix(prefix: string): void {
  const segments = prefix.split('/');
  const partial = segments.pop()!; // a name filter, not a directory: `''` or any start of a segment
  const ok =
    prefix.length <= MAX_KEY_LENGTH &&
    (partial === '' || SEGMENT.test(partial)) &&
    segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!ok) throw new TypeError(`invalid state store prefix ${JSON.stringify(prefix.slice(0, 120))}`);
}

/** Keys are ASCII, so code-unit order is byte order (GCS's list order). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
