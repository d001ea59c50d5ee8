import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/state/file-store.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const storeModule = join(repoRoot, 'src/state/file-store.ts');
const lockModule = join(repoRoot, 'src/state/file-lock.ts');

/**
 * One racer: waits for "go" on stdin, then races createIfAbsent on 50 keys and does 50 CAS
 * increments of one counter (retrying only on a lost CAS), and prints what it won as JSON.
 */
const RACER = `
const [root, storeModule] = process.argv.slice(1);
const { createFileStore } = await import(storeModule);
const store = createFileStore(root);
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
const created = [];
await Promise.all(Array.from({ length: 50 }, async (_, i) => {
  try { await store.createIfAbsent('race/k' + i, String(process.pid)); created.push(i); }
  catch (e) { if (e.name !== 'PreconditionFailedError') throw e; }
}));
let lost = 0;
for (let done = 0; done < 50; ) {
  const current = await store.read('counter/c');
  try {
    if (current) await store.compareAndSwap('counter/c', current.generation, String(Number(current.data) + 1));
    else await store.createIfAbsent('counter/c', '1');
    done++;
  } catch (e) {
    if (e.name !== 'PreconditionFailedError') throw e;
    lost++;
  }
}
process.stdout.write(JSON.stringify({ created, lost }) + '\\n');
`;

/**
 * One of several creators: waits for "go", then has 5 concurrent callers each try to create
 * every key given (argv: root, module, keys joined by ","), and prints the keys it won.
 */
const CREATOR = `
const [root, storeModule, keys] = process.argv.slice(1);
const { createFileStore } = await import(storeModule);
const store = createFileStore(root);
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
const won = [];
await Promise.all(keys.split(',').flatMap((key) => Array.from({ length: 5 }, async (_, caller) => {
  try { const o = await store.createIfAbsent(key, process.pid + '/' + caller); won.push([key, o.generation]); }
  catch (e) { if (e.name !== 'PreconditionFailedError') throw e; }
})));
process.stdout.write(JSON.stringify(won) + '\\n');
`;

/** Takes a lock (argv: root, module, lock path), says so, and hangs until killed. */
const LOCK_HOLDER = `
const [root, lockModule, lockPath] = process.argv.slice(1);
const { createFileLocks } = await import(lockModule);
const locks = createFileLocks({ staleMs: 5000, holderDir: root + '/~holders' });
void locks.withLock(lockPath, () => {
  process.stdout.write('ready\\n');
  return new Promise(() => {});
});
setInterval(() => {}, 1000);
`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function startRacer(root: string) {
  return startChild<{ created: number[]; lost: number }>(RACER, [root, storeModule]);
}

function startChild<T>(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c;
  });
  const ready = new Promise<void>((ok, fail) => {
    const check = () => (out.startsWith('ready\n') ? ok() : undefined);
    child.stdout!.on('data', check);
    child.once('exit', () => fail(new Error(`racer exited before ready: ${err}`)));
  });
  const result = new Promise<T>((ok, fail) => {
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`racer exited ${code}: ${err}`));
      ok(JSON.parse(out.split('\n')[1]!) as T);
    });
  });
  return { child, ready, go: () => child.stdin!.end('go\n'), result };
}

describe('file store shared by two processes', () => {
  it('gives each key to exactly one creator and loses no CAS increment', async () => {
    const root = await mkdtemp(join(tmpdir(), 'file-store-procs-'));
    dirs.push(root);
    const racers = [startRacer(root), startRacer(root)];
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.go();
    const [a, b] = await Promise.all(racers.map((r) => r.result));

    const wins = [...a!.created, ...b!.created].sort((x, y) => x - y);
    expect(wins).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const store = createFileStore(root);
    expect((await store.read('counter/c'))?.data.toString()).toBe('100');
    expect(await readdir(join(root, 'counter'))).toEqual(['c~object']); // no lock or temp file left
  });
});

describe('file store shared by several processes', () => {
  it('gives each key to exactly one of 20 creators in 4 processes, also over a tombstone', async () => {
    const root = await mkdtemp(join(tmpdir(), 'file-store-procs-'));
    dirs.push(root);
    const store = createFileStore(root);
    const keys = Array.from({ length: 20 }, (_, i) => `many/k${i}`);
    const deleted = keys.filter((_, i) => i % 2 === 0);
    for (const key of deleted) {
      const { generation } = await store.createIfAbsent(key, 'before');
      await store.delete(key, generation);
    }
    const creators = Array.from({ length: 4 }, () =>
      startChild<[string, string][]>(CREATOR, [root, storeModule, keys.join(',')]),
    );
    await Promise.all(creators.map((c) => c.ready));
    for (const c of creators) c.go();
    const won = (await Promise.all(creators.map((c) => c.result))).flat();

    expect(won.map(([key]) => key).sort()).toEqual([...keys].sort());
    for (const [key, generation] of won) expect(generation).toBe(deleted.includes(key) ? '2' : '1');
    for (const key of keys) expect((await store.read(key))?.data.toString()).toMatch(/^\d+\/\d$/);
    expect((await readdir(join(root, 'many'))).sort()).toEqual(
      keys.map((k) => `${k.slice(5)}~object`).sort(),
    );
  });

  it('recovers the lock of a process killed while holding it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'file-store-procs-'));
    dirs.push(root);
    const { generation } = await createFileStore(root).createIfAbsent('crash/k', 'v1');
    const holder = startChild<never>(LOCK_HOLDER, [root, lockModule, join(root, 'crash', 'k~lock')]);
    holder.result.catch(() => undefined); // it never reports: it is killed
    await holder.ready;
    const exited = new Promise((ok) => holder.child.once('exit', ok));
    holder.child.kill('SIGKILL');
    await exited;
    expect((await readdir(join(root, 'crash'))).sort()).toEqual(['k~lock', 'k~object']);

    const started = performance.now();
    const swapped = await createFileStore(root, { lockStaleMs: 200 }).compareAndSwap(
      'crash/k',
      generation,
      'v2',
    );
    expect(swapped.data.toString()).toBe('v2');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(await readdir(join(root, 'crash'))).toEqual(['k~object']);
  });
});
