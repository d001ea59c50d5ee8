import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/lib/clock.js';
import { createSideEffectClaims } from '../../src/state/claims.js';
import { createFileStore } from '../../src/state/file-store.js';
import { createFingerprintWindow } from '../../src/state/fingerprint-window.js';
import { createGcsStore } from '../../src/state/gcs-store.js';
import type { StateStore } from '../../src/state/store.js';
import { type GcsStandIn, startGcsStandIn } from '../support/gcs-stand-in.js';

const clock: Clock = { now: () => 1_700_000_000_000, sleep: async () => undefined };

let gcs: GcsStandIn;
let storage: Storage;
let root: string;
beforeAll(async () => {
  gcs = await startGcsStandIn();
  storage = new Storage({ apiEndpoint: gcs.url, projectId: 'test', retryOptions: { autoRetry: false } });
  await storage.createBucket('state');
  root = await mkdtemp(join(tmpdir(), 'claims-backends-'));
});
afterAll(async () => {
  await gcs.close();
  await rm(root, { recursive: true, force: true });
});

const backends: [string, () => StateStore][] = [
  ['file', () => createFileStore(root)],
  ['gs', () => createGcsStore({ bucket: 'state', prefix: 'relay', storage })],
];

describe.each(backends)('claims and fingerprint window on the %s store', (_name, makeStore) => {
  it('gives one of 20 concurrent workers the claim, then everyone sees it done', async () => {
    const store = makeStore();
    const workers = Array.from({ length: 20 }, (_, i) =>
      createSideEffectClaims(store, { holder: `w${i}`, leaseMs: 30_000, clock }),
    );
    const results = await Promise.all(workers.map((w) => w.claim('evt-1', 'github')));
    const winners = results.flatMap((r, i) =>
      r.status === 'claimed' ? [{ worker: workers[i]!, token: r.token }] : [],
    );
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 'held')).toHaveLength(19);
    await winners[0]!.worker.markDone(winners[0]!.token, { kind: 'sent', detail: 'issue #1' });
    const again = await Promise.all(workers.map((w) => w.claim('evt-1', 'github')));
    expect(again.every((r) => r.status === 'done')).toBe(true);
  });

  it('lets one of 20 concurrent workers be first for a fingerprint', async () => {
    const store = makeStore();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        createFingerprintWindow(store, { windowS: 60, clock }).firstInWindow('slack', 'fp'),
      ),
    );
    expect(results.filter((r) => r.first)).toHaveLength(1);
  });
});
