import { parseStateUri, resolveStateUri } from '../config/state-uri.js';
import { type FirestoreOptions, openFirestoreRelayState } from './firestore-relay-state.js';
import type { RelayState } from './relay-state.js';
import { openSqliteRelayState, type SqliteOptions } from './sqlite-relay-state.js';

export interface OpenRelayStateOptions {
  /** Base for a relative `sqlite://./x.db` (the app passes its working directory). */
  readonly cwd: string;
  readonly sqlite?: SqliteOptions;
  /** Firestore tuning (project and database come from the uri). */
  readonly firestore?: Omit<FirestoreOptions, 'project' | 'database' | 'firestore' | 'emulator'>;
  /**
   * The process environment, as the Firestore client sees it: with FIRESTORE_EMULATOR_HOST set,
   * `firestore://-/…` is GOOGLE_CLOUD_PROJECT's project (or EMULATOR_PROJECT) and no metadata
   * server is asked for anything. Without it, the client finds its project itself.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Opens the backend a STATE_URI names (already validated by the config, or a TypeError here). */
export async function openRelayState(uri: string, opts: OpenRelayStateOptions): Promise<RelayState> {
  const where = parseStateUri(resolveStateUri(uri, opts.cwd));
  if (where.backend === 'sqlite') return openSqliteRelayState(where.path, opts.sqlite);
  // `-` is the client's own project; FIRESTORE_EMULATOR_HOST is honoured by the client.
  const emulated = Boolean(opts.env?.FIRESTORE_EMULATOR_HOST);
  return openFirestoreRelayState({
    ...opts.firestore,
    project: where.project,
    database: where.database,
    ...(emulated && { emulator: { projectId: opts.env?.GOOGLE_CLOUD_PROJECT } }),
  });
}
