import { Storage } from '@google-cloud/storage';
import type { LedgerStorage } from '../channels/ledger/ledger-storage.js';
import { openLedgerStorage } from '../channels/ledger/open-ledger-storage.js';

/** What the Cloud Storage client of a gs:// ledger is made with, from the parsed configuration. */
export interface LedgerClientSettings {
  /** GOOGLE_CLOUD_PROJECT; unset: the client finds the project from its credentials. */
  readonly projectId: string | undefined;
  /** STORAGE_EMULATOR_HOST: a Cloud Storage emulator (docker compose: fake-gcs-server). */
  readonly emulatorHost: string | undefined;
}

/** Opens STORAGE_URI (the dry-run ledger): files, or Cloud Storage objects through a client made with `client`. */
export function openConfiguredLedger(uri: string, client: LedgerClientSettings): LedgerStorage {
  const storage = uri.startsWith('gs:') ? createStorageClient(client) : undefined;
  return openLedgerStorage(uri, { ...(storage ? { storage } : {}), baseDir: process.cwd() });
}

function createStorageClient(client: LedgerClientSettings): Storage {
  const storage = new Storage({
    // Ledger objects are written once with a precondition; a retry is the ledger writer's call.
    retryOptions: { autoRetry: false },
    ...(client.projectId ? { projectId: client.projectId } : {}),
    ...(client.emulatorHost ? { apiEndpoint: client.emulatorHost } : {}),
  });
  // With an emulator the client drops `/storage/v1` from JSON API paths when STORAGE_EMULATOR_HOST
  // is also in its environment, as it is in a container (googleapis/nodejs-storage#2069);
  // fake-gcs-server answers those 404.
  if (client.emulatorHost) storage.baseUrl = `${storage.apiEndpoint}/storage/v1`;
  return storage;
}
