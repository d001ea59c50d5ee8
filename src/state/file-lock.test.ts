import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileLocks } from './file-lock.js';

const dirs: string[] = [];
const freshDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'file-lock-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Two lock sets on one directory stand for two processes (each has its own holder file). */
const twoHolders = async (staleMs: number) => {
  const root = await freshDir();
  const holderDir = join(root, '~holders');
  return {
    root,
    a: createFileLocks({ staleMs, holderDir }),
    b: createFileLocks({ staleMs, holderDir }),
  };
};

describe('file locks', () => {
  it('is a hard link to the holder file, removed on release', async () => {
    const { root, a } = await twoHolders(5_000);
    const lock = join(root, 'k~lock');
    await a.withLock(lock, async () => {
      const [holder] = await readdir(join(root, '~holders'));
      const [lockStat, holderStat] = await Promise.all([stat(lock), stat(join(root, '~holders', holder!))]);
      expect(lockStat.ino).toBe(holderStat.ino);
      expect(lockStat.nlink).toBe(2);
    });
    expect(await readdir(root)).toEqual(['~holders']);
  });

  it('takes back its own lock left behind by a release that failed (the store was unreachable)', async () => {
    const { root, a } = await twoHolders(60_000);
    const dir = join(root, 'keys');
    const lock = join(dir, 'k~lock');
    await mkdir(dir);
    // While held, the directory goes away under a symlink to a file: the release's unlink fails.
    const failed = await a
      .withLock(lock, async () => {
        await rename(dir, `${dir}-away`);
        await writeFile(join(root, 'blocker'), 'not a directory');
        await symlink(join(root, 'blocker'), dir);
      })
      .then(
        () => 'released',
        (e: { code?: string }) => e.code,
      );
    expect(failed).toBe('ENOTDIR');
    await rm(dir);
    await rename(`${dir}-away`, dir);
    expect(await readdir(dir)).toEqual(['k~lock']); // left behind, with our holder content
    // Before: our own beats kept it fresh and every later holding of the key waited forever.
    expect(await a.withLock(lock, async () => 'again')).toBe('again'); // before the fix: never

    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a release that failed, so another process does not wait for it forever', async () => {
    const { root, a, b } = await twoHolders(200);
    const dir = join(root, 'keys');
    const lock = join(dir, 'k~lock');
    await mkdir(dir);
    const failed = await a
      .withLock(lock, async () => {
        await rename(dir, `${dir}-away`);
        await writeFile(join(root, 'blocker'), 'not a directory');
        await symlink(join(root, 'blocker'), dir);
      })
      .then(
        () => 'released',
        (e: { code?: string }) => e.code,
      );
    expect(failed).toBe('ENOTDIR');
    // a keeps locking other paths (its beats keep the leftover fresh) and never takes k again.
    let busy = true;
    const otherWork = (async () => {
      for (let i = 0; busy; i++) await a.withLock(join(root, `other${i % 3}~lock`), () => sleep(2));
    })();
    await sleep(120); // the first retries fail too
    await rm(dir);
    await rename(`${dir}-away`, dir);
    const waited = await Promise.race([
      b.withLock(lock, async () => 'b got it'),
      sleep(3_000).then(() => 'still waiting'),
    ]);
    busy = false;
    await otherWork;
    expect(waited).toBe('b got it');
    expect(await readdir(dir)).toEqual([]);
  });

  it('always reads as its holder while the holder beats (the release relies on it)', async () => {
    const { root, a } = await twoHolders(16); // a beat at least every millisecond of locking
    const held = join(root, 'held~lock');
    let busy = true;
    const reads: string[] = [];
    await a.withLock(held, async () => {
      const beats = (async () => {
        for (let i = 0; busy; i++) await a.withLock(join(root, `other${i % 3}~lock`), () => sleep(0));
      })();
      const started = performance.now();
      while (performance.now() - started < 300) reads.push(await readFile(held, 'utf8'));
      busy = false;
      await beats;
    });
    const id = reads[0]!.slice(0, reads[0]!.lastIndexOf(' '));
    expect(new Set(reads).size).toBeGreaterThan(1); // it did beat meanwhile
    for (const content of reads) expect(content.startsWith(`${id} `)).toBe(true);
    expect(await readdir(root)).toEqual(['~holders']);
  });

  it('excludes a second holder until the first releases', async () => {
    const { root, a, b } = await twoHolders(5_000);
    const lock = join(root, 'k~lock');
    const events: string[] = [];
    const slow = a.withLock(lock, async () => {
      events.push('a in');
      await sleep(50);
      events.push('a out');
    });
    await sleep(5);
    await b.withLock(lock, async () => {
      events.push('b in');
    });
    await slow;
    expect(events).toEqual(['a in', 'a out', 'b in']);
  });

  it('breaks a lock whose content stays the same for the stale time (a crashed holder)', async () => {
    const { root, b } = await twoHolders(30);
    const lock = join(root, 'k~lock');
    await writeFile(lock, 'crashed-holder');
    await b.withLock(lock, async () => {
      expect(await readFile(lock, 'utf8')).not.toBe('crashed-holder');
    });
    expect(await readdir(root)).toEqual(['~holders']);
  });

  it('does not break a long holding of a process that keeps locking (its content beats)', async () => {
    const { root, a, b } = await twoHolders(80);
    const lock = join(root, 'k~lock');
    const events: string[] = [];
    let busy = true;
    const otherWork = (async () => {
      for (let i = 0; busy; i++) await a.withLock(join(root, `other${i % 3}~lock`), () => sleep(2));
    })();
    const long = a.withLock(lock, async () => {
      events.push('a in');
      await sleep(400); // five times the stale time
      events.push('a out');
    });
    await sleep(5);
    await b.withLock(lock, async () => {
      events.push('b in');
    });
    await long;
    busy = false;
    await otherWork;
    expect(events).toEqual(['a in', 'a out', 'b in']);
  });

  it('leaves the lock of whoever broke a too long holding when that holding ends', async () => {
    const { root, a, b } = await twoHolders(40);
    const lock = join(root, 'k~lock');
    let bInside!: () => void;
    const bEntered = new Promise<void>((ok) => {
      bInside = ok;
    });
    let releaseB!: () => void;
    const bMayLeave = new Promise<void>((ok) => {
      releaseB = ok;
    });
    // a holds far longer than the stale time without locking anything else: b breaks it.
    const aDone = a.withLock(lock, () => bEntered);
    await sleep(5);
    const bDone = b.withLock(lock, async () => {
      const bContent = await readFile(lock, 'utf8');
      bInside();
      await aDone; // a's holding ends while b holds the lock
      expect(await readFile(lock, 'utf8')).toBe(bContent);
      await bMayLeave;
    });
    await aDone;
    releaseB();
    await bDone;
    expect(await readdir(root)).toEqual(['~holders']);
  });
});
