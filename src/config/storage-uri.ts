import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Checked, checkedBy, type VariableType } from './value-types.js';

export const STORAGE_URI_FORM =
  'gs://bucket[/prefix] or file:///absolute/path (file://./relative is resolved against the working directory)';

/** The dev default: resolved against the working directory by resolveStorageUri. */
export const DEV_STORAGE_URI = 'file://./.finding-relay';

const RELATIVE_FILE = /^file:\/\/(\.\.?\/.*|\.\.?)$/;

/**
 * Validates and canonicalises a storage URI: `gs://bucket` or `gs://bucket/prefix` (no trailing
 * slash), `file:///abs/path` (percent-encoded as a file URL), or a relative `file://./x` kept as
 * text until resolveStorageUri knows the working directory.
 */
export function checkStorageUri(text: string): Checked<string> {
  if (text.startsWith('gs://')) return checkGcsUri(text.slice('gs://'.length));
  if (RELATIVE_FILE.test(text)) {
    const relative = text.slice('file://'.length).replace(/\/+$/, '');
    return { value: `file://${relative === '' ? '.' : relative}` };
  }
  if (text.startsWith('file:///')) {
    let filePath: string;
    try {
      filePath = fileURLToPath(text);
    } catch {
      return { error: `expected ${STORAGE_URI_FORM}` };
    }
    return { value: pathToFileURL(path.resolve(filePath)).href };
  }
  return { error: `expected ${STORAGE_URI_FORM}` };
}

/** Makes a checked storage URI absolute: relative file URIs are resolved against `cwd`. */
export function resolveStorageUri(uri: string, cwd: string): string {
  if (!RELATIVE_FILE.test(uri)) return uri;
  return pathToFileURL(path.resolve(cwd, uri.slice('file://'.length))).href;
}

export function storageUriType(): VariableType<string> {
  return { kind: { type: 'storage-uri', form: STORAGE_URI_FORM }, schema: checkedBy(checkStorageUri) };
}

function checkGcsUri(rest: string): Checked<string> {
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  const bucketProblem = gcsBucketNameProblem(bucket);
  if (bucketProblem) return { error: `invalid bucket name: ${bucketProblem}` };
  if (prefix === '') return { value: `gs://${bucket}` };
  const segments = prefix.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    return { error: 'the prefix must not contain empty, "." or ".." segments' };
  }
  if (/[\u0000-\u001f\u007f#[\]*?]/.test(prefix)) {
    return { error: 'the prefix must not contain control characters or # [ ] * ?' };
  }
  return { value: `gs://${bucket}/${prefix}` };
}

/** Cloud Storage's bucket naming rules; returns what is wrong, or undefined when it is valid. */
export function gcsBucketNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name)) {
    return 'use lower-case letters, digits, "-", "_" and "."; start and end with a letter or digit';
  }
  const maxLength = name.includes('.') ? 222 : 63;
  if (name.length < 3 || name.length > maxLength) return `use 3 to ${maxLength} characters`;
  if (name.split('.').some((part) => part.length === 0 || part.length > 63)) {
    return 'each dot-separated part must have 1 to 63 characters';
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'an IP address is not a bucket name';
  if (name.startsWith('goog') || /g[o0][o0]gle/.test(name))
    return 'names with "goog" or "google" are reserved';
  return undefined;
}
