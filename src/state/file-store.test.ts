import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileStore } from './file-store.js';
import { PreconditionFailedError } from './store.js';
import { describeStateStoreContract } from './store-contract.js';

const dirs: string[] = [];
const freshDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'file-store-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describeStateStoreContract('file', async () => createFileStore(await freshDir()));

describe('file store specifics', () => {
  it('keeps objects in nested directories under the root, with nothing left behind after writes', async () => {
    const root = await freshDir();
    const store = createFileStore(root);
    const { generation } = await store.createIfAbsent('a/b/c', 'v1');
    await store.compareAndSwap('a/b/c', generation, 'v2');
    expect((await readdir(join(root, 'a', 'b'))).sort()).toEqual(['c~object']);
    expect(store.location).toBe(`file://${root}`);
  });

  it('breaks a lock left by a crashed process once it has been stale long enough', async () => {
    const root = await freshDir();
    const store = createFileStore(root, { lockStaleMs: 30 });
    const { generation } = await store.createIfAbsent('locked/k', 'v1');
    await writeFile(join(root, 'locked', 'k~lock'), 'crashed-holder');
    const swapped = await store.compareAndSwap('locked/k', generation, 'v2');
    expect(swapped.data.toString()).toBe('v2');
    expect(await readdir(join(root, 'locked'))).toEqual(['k~object']);
  });

  it('reports a corrupt object as unavailable rather than guessing', async () => {
    const root = await freshDir();
    const store = createFileStore(root);
    await store.createIfAbsent('x/k', 'v');
    await writeFile(join(root, 'x', 'k~object'), 'garbage without a header');
    await expect(store.read('x/k')).rejects.toThrow(/corrupt/);
    await expect(store.createIfAbsent('x/k', 'v')).rejects.toThrow(/corrupt/);
    await expect(store.createIfAbsent('x/other', 'v')).resolves.toBeDefined();
    await expect(store.createIfAbsent('x/other', 'v')).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('keeps a deleted key as a tombstone, so re-creating it is one exclusive swap to the next generation', async () => {
    const root = await freshDir();
    const store = createFileStore(root);
    const { generation } = await store.createIfAbsent('t/k', 'v1');
    const v2 = await store.compareAndSwap('t/k', generation, 'v2');
    await store.delete('t/k', v2.generation);
    expect(await readdir(join(root, 't'))).toEqual(['k~object']);
    expect(await readFile(join(root, 't', 'k~object'), 'utf8')).toBe(`FRT1 ${v2.generation}\n`);
    expect(await store.read('t/k')).toBeUndefined();
    expect(await store.list('t/')).toEqual([]);
    await expect(store.compareAndSwap('t/k', v2.generation, 'x')).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => createFileStore(root).createIfAbsent('t/k', `w${i}`)),
    );
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(winners).toHaveLength(1);
    expect(Number(winners[0]!.generation)).toBe(Number(v2.generation) + 1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
    expect((await store.read('t/k'))?.data.toString()).toBe(winners[0]!.data.toString());
    expect(await store.list('t/')).toEqual(['t/k']);
    expect(await readdir(join(root, 't'))).toEqual(['k~object']);
  });

  it('creates a new key without a lock, and makes its directory once', async () => {
    const root = await freshDir();
    const store = createFileStore(root);
    await Promise.all([store.createIfAbsent('d/e/one', '1'), store.createIfAbsent('d/e/two', '2')]);
    expect((await readdir(join(root, 'd', 'e'))).sort()).toEqual(['one~object', 'two~object']);
    expect(await readdir(root)).toEqual(['d']); // no holder file: nothing was locked
    await rm(join(root, 'd'), { recursive: true }); // removed behind the store's back
    await expect(store.createIfAbsent('d/e/one', 'again')).resolves.toMatchObject({ generation: '1' });
  });

  it('lists a corrupt object (reading it says what is wrong)', async () => {
    const root = await freshDir();
    const store = createFileStore(root);
    await store.createIfAbsent('y/k', 'v');
    await writeFile(join(root, 'y', 'k~object'), 'garbage');
    expect(await store.list('y/')).toEqual(['y/k']);
  });

  it('refuses a relative root', () => {
    expect(() => createFileStore('relative/dir')).toThrow(TypeError);
  });
});
