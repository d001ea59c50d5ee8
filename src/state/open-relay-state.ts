import { parseStateUri, resolveStateUri } from '../config/state-uri.js';
import type { RelayState } from './relay-state.js';
import { openSqliteRelayState, type SqliteOptions } from './sqlite-relay-state.js';

export interface OpenRelayStateOptions {
  /** Base for a relative `sqlite://./x.db` (the app passes its working directory). */
  readonly cwd: string;
  readonly sqlite?: SqliteOptions;
}

/** Opens the backend a STATE_URI names (already validated by the config, or a TypeError here). */
export async function openRelayState(uri: string, opts: OpenRelayStateOptions): Promise<RelayState> {
  const where = parseStateUri(resolveStateUri(uri, opts.cwd));
  if (where.backend === 'sqlite') return openSqliteRelayState(where.path, opts.sqlite);
  throw new Error(
    `STATE_URI ${uri}: the Firestore backend is not in this version of finding-relay yet (it comes next); use sqlite:///path/to/state.db on one host for now`,
  );
}
