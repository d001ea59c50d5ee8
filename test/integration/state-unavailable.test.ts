import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { createSideEffectClaims } from '../../src/state/claims.js';
import { createFileStore } from '../../src/state/file-store.js';
import { createFingerprintWindow } from '../../src/state/fingerprint-window.js';
import { createGcsStore } from '../../src/state/gcs-store.js';
import { type StateStore, StoreUnavailableError } from '../../src/state/store.js';
import { type GcsStandIn, startGcsStandIn } from '../support/gcs-stand-in.js';

/** Every method of the store, each expected to reject with StoreUnavailableError naming its key. */
async function expectEveryMethodUnavailable(store: StateStore, generation: string, methods = ['all']) {
  const calls: [string, () => Promise<unknown>][] = [
    ['createIfAbsent', () => store.createIfAbsent('u/new', 'x')],
    ['compareAndSwap', () => store.compareAndSwap('u/k', generation, 'y')],
    ['delete', () => store.delete('u/k')],
    ['delete', () => store.delete('u/k', generation)],
    ['read', () => store.read('u/k')],
    ['list', () => store.list('u/')],
  ];
  for (const [name, call] of calls) {
    if (!methods.includes('all') && !methods.includes(name)) continue;
    const error = await call().then(
      () => new Error(`${name} succeeded`),
      (e: unknown) => e,
    );
    expect(error, name).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message, name).toMatch(/"u\/(new|k)?"?/);
  }
}

describe('gs store while GCS is unavailable', () => {
  let gcs: GcsStandIn;
  let store: StateStore;
  beforeAll(async () => {
    gcs = await startGcsStandIn();
    const storage = new Storage({
      apiEndpoint: gcs.url,
      projectId: 'test',
      retryOptions: { autoRetry: false },
    });
    await storage.createBucket('b');
    store = createGcsStore({ bucket: 'b', prefix: 'p', storage });
  });
  afterAll(() => gcs.close());

  it('fails every method with StoreUnavailableError on 503, and recovers', async () => {
    const { generation } = await store.createIfAbsent('u/k', 'v');
    gcs.setUnavailable(true);
    await expectEveryMethodUnavailable(store, generation);
    const clock = systemClock;
    const claims = createSideEffectClaims(store, { holder: 'w', leaseMs: 1000, clock });
    await expect(claims.claim('e', 'slack')).rejects.toBeInstanceOf(StoreUnavailableError);
    const window = createFingerprintWindow(store, { windowS: 60, clock });
    await expect(window.firstInWindow('slack', 'fp')).rejects.toBeInstanceOf(StoreUnavailableError);
    gcs.setUnavailable(false);
    expect((await store.read('u/k'))?.data.toString()).toBe('v');
  });

  it('fails every method with StoreUnavailableError when nothing listens', async () => {
    const gone = await startGcsStandIn();
    await gone.close();
    const storage = new Storage({
      apiEndpoint: gone.url,
      projectId: 'test',
      retryOptions: { autoRetry: false },
    });
    await expectEveryMethodUnavailable(createGcsStore({ bucket: 'b', prefix: 'p', storage }), '1');
  });

  it('treats a missing bucket as unavailable, not as an empty store', async () => {
    const storage = new Storage({
      apiEndpoint: gcs.url,
      projectId: 'test',
      retryOptions: { autoRetry: false },
    });
    const missing = createGcsStore({ bucket: 'no-such-bucket', prefix: '', storage });
    await expect(missing.read('u/k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(missing.createIfAbsent('u/k', 'v')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('file store on a broken directory', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const fresh = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-store-down-'));
    dirs.push(dir);
    return dir;
  };

  it('fails every method with StoreUnavailableError when its root is not a directory', async () => {
    const root = join(await fresh(), 'root');
    await writeFile(root, 'a file where the store directory should be');
    await expectEveryMethodUnavailable(createFileStore(root), '1');
  });

  it('fails every write with StoreUnavailableError on a read-only directory, and still reads', async (ctx) => {
    const root = await fresh();
    const store = createFileStore(root);
    const { generation } = await store.createIfAbsent('u/k', 'v');
    const dirsIn = [root, join(root, 'u')];
    const makeReadOnly = await readOnly(dirsIn);
    if (!makeReadOnly) return ctx.skip('cannot make a directory read-only here');
    try {
      await expectEveryMethodUnavailable(store, generation, ['createIfAbsent', 'compareAndSwap', 'delete']);
      expect((await store.read('u/k'))?.data.toString()).toBe('v');
      expect(await store.list('u/')).toEqual(['u/k']);
    } finally {
      await makeReadOnly.undo();
    }
    expect(await readdir(join(root, 'u'))).toEqual(['k~object']); // nothing half-written left behind
  });
});

/**
 * chmod is enough for a normal user; root ignores it, so there the immutable attribute is used
 * (chattr +i). Gives undefined when neither makes the directories read-only.
 */
async function readOnly(dirs: string[]): Promise<{ undo(): Promise<void> } | undefined> {
  const probe = async () => {
    const file = join(dirs[0]!, 'probe');
    try {
      await writeFile(file, '');
      await rm(file);
      return false;
    } catch {
      return true;
    }
  };
  for (const d of dirs) await chmod(d, 0o555);
  const undoChmod = async () => {
    for (const d of dirs) await chmod(d, 0o755);
  };
  if (await probe()) return { undo: undoChmod };
  const chattr = (flag: string) => dirs.every((d) => spawnSync('chattr', [flag, d]).status === 0);
  if (chattr('+i') && (await probe())) {
    return {
      undo: async () => {
        chattr('-i');
        await undoChmod();
      },
    };
  }
  chattr('-i');
  await undoChmod();
  return undefined;
}
