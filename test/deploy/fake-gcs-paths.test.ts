import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConfiguredLedger } from '../../src/app/ledger-storage.js';

/**
 * docker compose gives the worker STORAGE_EMULATOR_HOST=http://gcs:4443 (fake-gcs-server), which
 * serves the JSON API only under /storage/v1 (uploads under /upload/storage/v1). This records the
 * paths the worker's Storage client really requests with that variable set.
 */
const paths: string[] = [];
const server = createServer((req, res) => {
  paths.push(`${req.method} ${req.url}`);
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 404, message: 'No such object', errors: [] } }));
});
let previous: string | undefined;
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // @google-cloud/storage reads this variable itself, as it does in the container.
  previous = process.env.STORAGE_EMULATOR_HOST;
  process.env.STORAGE_EMULATOR_HOST = endpoint;
});

afterAll(async () => {
  if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = previous;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('gs:// storage against fake-gcs-server (docker compose)', () => {
  it('uploads under /upload/storage/v1', async () => {
    const store = openConfiguredLedger('gs://finding-relay-local/relay', {
      projectId: 'finding-relay-local',
      emulatorHost: endpoint,
    });
    await store.createIfAbsent('probe/upload', 'x').catch(() => undefined);
    expect(paths.at(-1)).toMatch(/^POST \/upload\/storage\/v1\/b\/finding-relay-local\/o\?/);
  });

  // With STORAGE_EMULATOR_HOST set, @google-cloud/storage uses the variable itself as its JSON
  // API base (no /storage/v1: googleapis/nodejs-storage#2069); fake-gcs-server answers /b/… 404,
  // which would make every read look like "not found". openConfiguredLedger sets the base URL.
  it('reads and lists under /storage/v1, as fake-gcs-server expects', async () => {
    const store = openConfiguredLedger('gs://finding-relay-local/relay', {
      projectId: 'finding-relay-local',
      emulatorHost: endpoint,
    });
    paths.length = 0;
    await store.read('probe/read').catch(() => undefined);
    await store.list('probe/').catch(() => undefined);
    expect(paths.length).toBeGreaterThanOrEqual(2);
    for (const path of paths) expect(path).toMatch(/^GET \/storage\/v1\/b\/finding-relay-local\/o/);
  });

  it('needs only the configured emulator host: nothing read from the process environment', async () => {
    delete process.env.STORAGE_EMULATOR_HOST;
    try {
      const store = openConfiguredLedger('gs://finding-relay-local/relay', {
        projectId: 'finding-relay-local',
        emulatorHost: endpoint,
      });
      paths.length = 0;
      await store.read('probe/read').catch(() => undefined);
      await store.createIfAbsent('probe/upload', 'x').catch(() => undefined);
      expect(paths[0]).toMatch(/^GET \/storage\/v1\/b\/finding-relay-local\/o/);
      expect(paths.at(-1)).toMatch(/^POST \/upload\/storage\/v1\/b\/finding-relay-local\/o\?/);
    } finally {
      process.env.STORAGE_EMULATOR_HOST = endpoint;
    }
  });
});
