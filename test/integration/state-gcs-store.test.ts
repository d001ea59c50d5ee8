import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedgerStorage } from '../../src/channels/ledger/open-ledger-storage.js';
import { createGcsStore } from '../../src/state/gcs-store.js';
import { describeStateStoreContract } from '../../src/state/store-contract.js';
import { type GcsStandIn, startGcsStandIn } from '../support/gcs-stand-in.js';

const clientFor = (gcs: GcsStandIn) =>
  new Storage({ apiEndpoint: gcs.url, projectId: 'test', retryOptions: { autoRetry: false } });

let gcs: GcsStandIn;
let storage: Storage;
let n = 0;
beforeAll(async () => {
  gcs = await startGcsStandIn();
  storage = clientFor(gcs);
  await storage.createBucket('state');
});
afterAll(() => gcs.close());

// Each test gets its own prefix in one bucket, which also proves prefixes keep stores apart.
describeStateStoreContract('gs (stand-in)', () =>
  createGcsStore({ bucket: 'state', prefix: `t${++n}/`, storage }),
);

describe('gs store specifics', () => {
  it('stores keys under the prefix and names its location', async () => {
    const store = openLedgerStorage('gs://state/relay/prod', { storage });
    expect(store.location).toBe('gs://state/relay/prod');
    await store.createIfAbsent('claims/x', 'v');
    const [files] = await storage.bucket('state').getFiles({ prefix: 'relay/prod/' });
    expect(files.map((f) => f.name)).toEqual(['relay/prod/claims/x']);
    const root = createGcsStore({ bucket: 'state', prefix: '', storage });
    expect(await root.list('relay/')).toEqual(['relay/prod/claims/x']);
  });

  it('reads in one request, the generation coming with the bytes', async () => {
    const store = createGcsStore({ bucket: 'state', prefix: 'one-request', storage });
    const written = await store.createIfAbsent('k', 'v');
    const before = gcs.requests;
    expect((await store.read('k'))?.generation).toBe(written.generation);
    expect(gcs.requests - before).toBe(1);
  });

  it('falls back to a generation-pinned read when a server sends no generation header', async () => {
    const bare = await startGcsStandIn({ mediaGenerationHeader: false });
    try {
      const client = clientFor(bare);
      await client.createBucket('b');
      const store = createGcsStore({ bucket: 'b', prefix: 'p', storage: client });
      const v1 = await store.createIfAbsent('k', 'v1');
      expect(await store.read('k')).toEqual({ key: 'k', data: Buffer.from('v1'), generation: v1.generation });
      const v2 = await store.compareAndSwap('k', v1.generation, 'v2');
      expect(await store.read('k')).toEqual({ key: 'k', data: Buffer.from('v2'), generation: v2.generation });
      await store.delete('k');
      expect(await store.read('k')).toBeUndefined();
    } finally {
      await bare.close();
    }
  });

  it('pages through long listings', async () => {
    const paged = await startGcsStandIn({ maxPageSize: 7 });
    try {
      const client = clientFor(paged);
      await client.createBucket('b');
      const store = createGcsStore({ bucket: 'b', prefix: 'many', storage: client });
      const keys = Array.from({ length: 30 }, (_, i) => `k/${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => store.createIfAbsent(k, '')));
      const before = paged.requests;
      expect(await store.list('k/')).toEqual(keys);
      expect(paged.requests - before).toBe(5);
    } finally {
      await paged.close();
    }
  });
});
