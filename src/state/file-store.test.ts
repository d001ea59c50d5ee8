import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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

  it('refuses a relative root', () => {
    expect(() => createFileStore('relative/dir')).toThrow(TypeError);
  });
});
