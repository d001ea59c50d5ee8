import path from 'node:path';
import { type Checked, checkedBy, type VariableType } from './value-types.js';

export const STATE_URI_FORM =
  "sqlite:///absolute/file.db (sqlite://./relative.db is resolved against the working directory) or firestore://PROJECT/DATABASE (firestore://-/(default): the client's project, default database)";

/** The dev default: resolved against the working directory by resolveStateUri. */
export const DEV_STATE_URI = 'sqlite://./.finding-relay/state.db';

export type StateLocation =
  | { readonly backend: 'sqlite'; readonly path: string }
  /** `project` is `-` for the client library's own project. */
  | { readonly backend: 'firestore'; readonly project: string; readonly database: string };

const RELATIVE_SQLITE = /^sqlite:\/\/(\.\.?\/.+)$/;
/** What a path may hold: no control characters, and no `?`/`#` that would read as a URL's query. */
const PATH_PROBLEM = /[\u0000-\u001f\u007f?#]/;
/** Cloud project ids (6–30 of a-z, 0-9, `-`), optionally domain-scoped (`example.com:proj`). */
const PROJECT = /^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Firestore database ids: 4–63 of a-z, 0-9, `-`, from a letter to a letter or digit. */
const DATABASE = /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/;

/**
 * Validates and canonicalises STATE_URI: `sqlite:///abs/file.db` (normalised), a relative
 * `sqlite://./x.db` kept as text until resolveStateUri knows the working directory, or
 * `firestore://PROJECT/DATABASE`. Error texts never repeat the value.
 */
export function checkStateUri(text: string): Checked<string> {
  if (text.startsWith('firestore://')) {
    const location = firestoreLocation(text.slice('firestore://'.length));
    return 'error' in location
      ? location
      : { value: `firestore://${location.value.project}/${location.value.database}` };
  }
  const relative = RELATIVE_SQLITE.exec(text);
  const file = relative
    ? relative[1]!
    : text.startsWith('sqlite:///')
      ? text.slice('sqlite://'.length)
      : undefined;
  if (file === undefined) return { error: `expected ${STATE_URI_FORM}` };
  if (PATH_PROBLEM.test(file))
    return { error: 'the sqlite path must not contain control characters, ? or #' };
  if (file.endsWith('/')) return { error: 'the sqlite path names a directory: name the database file' };
  const normal = path.posix.normalize(file);
  if (normal === '.' || normal === '..' || normal.endsWith('/..') || normal === '/') {
    return { error: 'the sqlite path names a directory: name the database file' };
  }
  if (!relative) return { value: `sqlite://${normal}` };
  return { value: `sqlite://${normal.startsWith('../') ? normal : `./${normal}`}` };
}

/** Makes a checked state URI absolute: a relative sqlite path is resolved against `cwd`. */
export function resolveStateUri(uri: string, cwd: string): string {
  const relative = RELATIVE_SQLITE.exec(uri);
  return relative ? `sqlite://${path.resolve(cwd, relative[1]!)}` : uri;
}

/**
 * Where a (resolved) STATE_URI points. Throws a TypeError naming what is wrong (the uri holds no
 * secret); a relative sqlite uri gives its relative path (resolve it first).
 */
export function parseStateUri(uri: string): StateLocation {
  const checked = checkStateUri(uri);
  if ('error' in checked) throw new TypeError(`STATE_URI ${uri}: ${checked.error}`);
  const canonical = checked.value;
  if (canonical.startsWith('sqlite://'))
    return { backend: 'sqlite', path: canonical.slice('sqlite://'.length) };
  const [project, database] = canonical.slice('firestore://'.length).split('/') as [string, string];
  return { backend: 'firestore', project, database };
}

export function stateUriType(): VariableType<string> {
  return { kind: { type: 'string', form: STATE_URI_FORM }, schema: checkedBy(checkStateUri) };
}

function firestoreLocation(rest: string): Checked<{ project: string; database: string }> {
  const parts = rest.replace(/\/$/, '').split('/');
  if (parts.length !== 2)
    return { error: 'expected firestore://PROJECT/DATABASE, e.g. firestore://-/(default)' };
  const [project, database] = parts as [string, string];
  if (project !== '-' && !PROJECT.test(project)) {
    return {
      error: 'invalid project id: 6 to 30 lower-case letters, digits or "-" (or "-" for the default)',
    };
  }
  if (database !== '(default)' && !DATABASE.test(database)) {
    return { error: 'invalid database id: 4 to 63 lower-case letters, digits or "-", or (default)' };
  }
  return { value: { project, database } };
}
