import { Storage } from '@google-cloud/storage';
import type { DeploymentEnv } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { ClaimsPort, FingerprintWindowPort } from '../pipeline/side-effect-claims.js';
import { createSideEffectClaims } from '../state/claims.js';
import { createFingerprintWindow } from '../state/fingerprint-window.js';
import { type KeptClaims, keepLeases } from '../state/lease-keeper.js';
import { openStateStore } from '../state/open-store.js';
import { scopeStore } from '../state/scoped-store.js';
import type { StateStore } from '../state/store.js';

/** Opens STORAGE_URI; @google-cloud/storage honours STORAGE_EMULATOR_HOST itself (docker compose). */
export function openConfiguredStore(
  uri: string,
  env: Readonly<Record<string, string | undefined>>,
): StateStore {
  const storage = uri.startsWith('gs:') ? createStorageClient(env) : undefined;
  return openStateStore(uri, { ...(storage ? { storage } : {}), baseDir: process.cwd() });
}

function createStorageClient(env: Readonly<Record<string, string | undefined>>): Storage {
  const storage = new Storage({
    // Claims, windows and the ledger use preconditions and read back on a 412 themselves.
    retryOptions: { autoRetry: false },
    ...(env.GOOGLE_CLOUD_PROJECT ? { projectId: env.GOOGLE_CLOUD_PROJECT } : {}),
    ...(env.STORAGE_EMULATOR_HOST ? { apiEndpoint: env.STORAGE_EMULATOR_HOST } : {}),
  });
  // With STORAGE_EMULATOR_HOST the client drops `/storage/v1` from JSON API paths
  // (googleapis/nodejs-storage#2069); fake-gcs-server answers those 404, which would read as
  // "absent" and silently break claims and dedupe.
  if (env.STORAGE_EMULATOR_HOST) storage.baseUrl = `${storage.apiEndpoint}/storage/v1`;
  return storage;
}

const unavailable = async (): Promise<never> => {
  throw new Error('no state store is configured (STORAGE_URI)');
};

/** Claims and the fingerprint window live under `state/ENV/` next to the ledger. */
export function openSideEffectState(
  store: StateStore | undefined,
  opts: {
    env: DeploymentEnv;
    holder: string;
    clock: Clock;
    windowS: number;
    /** CLAIM_LEASE_MS. */
    leaseMs: number;
    onRenewalProblem?: (problem: { key: string; lost: boolean; error: string }) => void;
  },
): {
  claims: ClaimsPort;
  fingerprintWindow: FingerprintWindowPort | undefined;
  /** Renews the leases of claims in flight; start with the worker, stop after its drain. */
  leases: Pick<KeptClaims, 'start' | 'stop' | 'kept'> | undefined;
} {
  if (!store) {
    // Only reachable when every channel drops everything: nothing asks for a claim.
    return {
      claims: { claim: unavailable, markDone: unavailable, release: unavailable },
      fingerprintWindow: undefined,
      leases: undefined,
    };
  }
  const scoped = scopeStore(store, `state/${opts.env}`);
  const claims = createSideEffectClaims(scoped, {
    holder: opts.holder,
    leaseMs: opts.leaseMs,
    clock: opts.clock,
  });
  const kept = keepLeases(claims, {
    leaseMs: opts.leaseMs,
    clock: opts.clock,
    ...(opts.onRenewalProblem ? { onRenewalProblem: opts.onRenewalProblem } : {}),
  });
  return {
    claims: kept,
    fingerprintWindow: createFingerprintWindow(scoped, { windowS: opts.windowS, clock: opts.clock }),
    leases: kept,
  };
}
