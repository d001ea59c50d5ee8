import { Storage } from '@google-cloud/storage';
import type { LedgerStorage } from '../channels/ledger/ledger-storage.js';
import { openLedgerStorage } from '../channels/ledger/open-ledger-storage.js';

/** Opens STORAGE_URI (the dry-run ledger); @google-cloud/storage honours STORAGE_EMULATOR_HOST itself (docker compose). */
export function openConfiguredLedger(
  uri: string,
  env: Readonly<Record<string, string | undefined>>,
): LedgerStorage {
  const storage = uri.startsWith('gs:') ? createStorageClient(env) : undefined;
  return openLedgerStorage(uri, { ...(storage ? { storage } : {}), baseDir: process.cwd() });
}

function createStorageClient(env: Readonly<Record<string, string | undefined>>): Storage {
  const storage = new Storage({
    // Ledger objects are written once with a precondition; a retry is the ledger writer's call.
    retryOptions: { autoRetry: false },
    ...(env.GOOGLE_CLOUD_PROJECT ? { projectId: env.GOOGLE_CLOUD_PROJECT } : {}),
    ...(env.STORAGE_EMULATOR_HOST ? { apiEndpoint: env.STORAGE_EMULATOR_HOST } : {}),
  });
  // With STORAGE_EMULATOR_HOST the client drops `/storage/v1` from JSON API paths
  // (googleapis/nodejs-storage#2069); fake-gcs-server answers those 404.
  if (env.STORAGE_EMULATOR_HOST) storage.baseUrl = `${storage.apiEndpoint}/storage/v1`;
  return storage;
}
