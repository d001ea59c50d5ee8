import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/state/file-store.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const storeModule = join(repoRoot, 'src/state/file-store.ts');

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

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function startRacer(root: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', RACER, root, storeModule],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
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
  const result = new Promise<{ created: number[]; lost: number }>((ok, fail) => {
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`racer exited ${code}: ${err}`));
      ok(JSON.parse(out.split('\n')[1]!) as { created: number[]; lost: number });
    });
  });
  return { ready, go: () => child.stdin!.end('go\n'), result };
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
