/**
 * The StateStore contract as one test suite, run against every backend (memory, file, gs), so
 * they cannot drift apart. Imported only by tests.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, type StateStore } from './store.js';

const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);
const gen = (generation: string) => BigInt(generation);

export function describeStateStoreContract(
  name: string,
  makeStore: () => StateStore | Promise<StateStore>,
): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('creates only when absent, and reads back what it created', async () => {
      const created = await store.createIfAbsent('c/one', 'first');
      expect(created).toMatchObject({ key: 'c/one', generation: expect.stringMatching(/^\d+$/) });
      await expect(store.createIfAbsent('c/one', 'second')).rejects.toBeInstanceOf(PreconditionFailedError);
      const read = await store.read('c/one');
      expect(read?.data.toString()).toBe('first');
      expect(read?.generation).toBe(created.generation);
      expect(await store.read('c/missing')).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent creators win', async () => {
      const results = await settle(
        Array.from({ length: 20 }, (_, i) => store.createIfAbsent('race/k', `w${i}`)),
      );
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      }
      const stored = await store.read('race/k');
      expect(stored?.data.toString()).toBe(winners[0]!.value.data.toString());
    });

    it('swaps only from the current generation, with strictly increasing generations', async () => {
      const v1 = await store.createIfAbsent('cas/k', 'v1');
      const v2 = await store.compareAndSwap('cas/k', v1.generation, 'v2');
      expect(gen(v2.generation)).toBeGreaterThan(gen(v1.generation));
      await expect(store.compareAndSwap('cas/k', v1.generation, 'stale')).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      const v3 = await store.compareAndSwap('cas/k', v2.generation, 'v3');
      expect(gen(v3.generation)).toBeGreaterThan(gen(v2.generation));
      expect((await store.read('cas/k'))?.data.toString()).toBe('v3');
      await expect(store.compareAndSwap('cas/absent', v3.generation, 'x')).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.read('cas/absent')).toBeUndefined();
    });

    it('reads several keys at once: what exists, by key', async () => {
      const a = await store.createIfAbsent('many/a', 'A');
      await store.createIfAbsent('many/b', 'B');
      await store.delete('many/b');
      const found = await store.readMany(['many/a', 'many/b', 'many/c']);
      expect([...found.keys()]).toEqual(['many/a']);
      expect(found.get('many/a')).toMatchObject({ key: 'many/a', generation: a.generation });
      expect(found.get('many/a')?.data.toString()).toBe('A');
      expect((await store.readMany([])).size).toBe(0);
    });

    it('writes several keys in one call: each write stands alone, a failed precondition skips only it', async () => {
      const a = await store.createIfAbsent('wm/a', 'a1');
      const b = await store.createIfAbsent('wm/b', 'b1');
      await store.createIfAbsent('wm/taken', 'x');
      const results = await store.writeMany([
        { key: 'wm/a', generation: a.generation, data: 'a2' },
        { key: 'wm/b', generation: `${gen(b.generation) + 1000n}`, data: 'stale' },
        { key: 'wm/new', data: 'n1' },
        { key: 'wm/taken', data: 'lost' },
        { key: 'wm/absent', generation: a.generation, data: 'lost' },
      ]);
      expect(results.map((r) => r?.key)).toEqual(['wm/a', undefined, 'wm/new', undefined, undefined]);
      expect(gen(results[0]!.generation)).toBeGreaterThan(gen(a.generation));
      const after = await store.readMany(['wm/a', 'wm/b', 'wm/new', 'wm/taken', 'wm/absent']);
      expect(Object.fromEntries([...after].map(([k, o]) => [k, o.data.toString()]))).toEqual({
        'wm/a': 'a2',
        'wm/b': 'b1',
        'wm/new': 'n1',
        'wm/taken': 'x',
      });
      // The generations it returns are the stored ones: a swap from them succeeds.
      await store.compareAndSwap('wm/new', results[2]!.generation, 'n2');
      await store.delete('wm/a');
      expect((await store.writeMany([{ key: 'wm/a', data: 'again' }]))[0]?.data.toString()).toBe('again');
      await expect(
        store.writeMany([
          { key: 'wm/d', data: '1' },
          { key: 'wm/d', data: '2' },
        ]),
      ).rejects.toBeInstanceOf(TypeError);
    });

    it('lets exactly one of 10 concurrent swaps from one generation win', async () => {
      const base = await store.createIfAbsent('cas/race', '0');
      const results = await settle(
        Array.from({ length: 10 }, (_, i) => store.compareAndSwap('cas/race', base.generation, `w${i}`)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('deletes only a matching generation, and never reuses a generation after a delete', async () => {
      const v1 = await store.createIfAbsent('del/k', 'v1');
      const v2 = await store.compareAndSwap('del/k', v1.generation, 'v2');
      await expect(store.delete('del/k', v1.generation)).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await store.read('del/k'))?.data.toString()).toBe('v2');
      await store.delete('del/k', v2.generation);
      expect(await store.read('del/k')).toBeUndefined();
      await store.delete('del/k');
      await store.delete('del/k', v2.generation);
      const again = await store.createIfAbsent('del/k', 'v3');
      expect(gen(again.generation)).toBeGreaterThan(gen(v2.generation));
      await expect(store.compareAndSwap('del/k', v2.generation, 'aba')).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      await store.delete('del/k');
      expect(await store.read('del/k')).toBeUndefined();
    });

    it('lists keys under a prefix, sorted, and nothing else', async () => {
      for (const key of ['l/b/2', 'l/a', 'l/b/1', 'l/b1/x', 'l/c.jsonl', 'm/a', 'la'])
        await store.createIfAbsent(key, key);
      expect(await store.list('l/')).toEqual(['l/a', 'l/b/1', 'l/b/2', 'l/b1/x', 'l/c.jsonl']);
      expect(await store.list('l/b/')).toEqual(['l/b/1', 'l/b/2']);
      expect(await store.list('l/b')).toEqual(['l/b/1', 'l/b/2', 'l/b1/x']);
      expect(await store.list('l')).toEqual(['l/a', 'l/b/1', 'l/b/2', 'l/b1/x', 'l/c.jsonl', 'la']);
      expect(await store.list('nothing/')).toEqual([]);
      await store.delete('l/a');
      expect(await store.list('l/')).not.toContain('l/a');
      expect(await store.list('')).toContain('m/a');
    });

    it('keeps a key and a longer key under it apart', async () => {
      await store.createIfAbsent('n/a', 'leaf');
      await store.createIfAbsent('n/a/b', 'below');
      expect((await store.read('n/a'))?.data.toString()).toBe('leaf');
      expect(await store.list('n/')).toEqual(['n/a', 'n/a/b']);
    });

    it('round-trips unicode and arbitrary bytes exactly', async () => {
      const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
      const text = 'ünïcødé ✓ 🚀 \u0000 line\nbreak';
      await store.createIfAbsent('bin/bytes', bytes);
      await store.createIfAbsent('bin/text', text);
      await store.createIfAbsent('bin/empty', Buffer.alloc(0));
      expect((await store.read('bin/bytes'))?.data.equals(bytes)).toBe(true);
      expect((await store.read('bin/text'))?.data.toString('utf8')).toBe(text);
      expect((await store.read('bin/empty'))?.data.length).toBe(0);
    });

    it('refuses malformed keys (a key-builder bug) instead of touching anything', async () => {
      for (const bad of ['', '/abs', 'a//b', '../up', 'a/./b', 'a/..', 'a/b/', 'tilde~x', 'sp ace', 'a\\b']) {
        await expect(store.createIfAbsent(bad, 'x')).rejects.toBeInstanceOf(TypeError);
        await expect(store.read(bad)).rejects.toBeInstanceOf(TypeError);
      }
      await expect(store.list('../')).rejects.toBeInstanceOf(TypeError);
      expect(await store.list('')).toEqual([]);
    });

    it('behaves like a map with generations under any sequence of operations', async () => {
      type Op = {
        op: 'create' | 'cas' | 'delete' | 'deleteAt' | 'read';
        key: number;
        stale: boolean;
        value: string;
      };
      const ops = fc.array(
        fc.record({
          op: fc.constantFrom('create', 'cas', 'delete', 'deleteAt', 'read'),
          key: fc.integer({ min: 0, max: 2 }),
          stale: fc.boolean(),
          value: fc.string({ maxLength: 8 }),
        }) as fc.Arbitrary<Op>,
        { maxLength: 25 },
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(ops, async (sequence) => {
          run++;
          const model = new Map<string, { value: string; generation: string }>();
          const history = new Map<string, string[]>(); // every generation each key has had
          for (const { op, key: k, stale, value } of sequence) {
            const key = `prop/${run}/k${k}`;
            const current = model.get(key);
            const past = history.get(key) ?? [];
            const older = past.filter((g) => g !== current?.generation).at(-1);
            const known = (stale ? older : current?.generation) ?? '1';
            const attempt = async <T>(action: () => Promise<T>, shouldWork: boolean) => {
              if (shouldWork) return action();
              await expect(action()).rejects.toBeInstanceOf(PreconditionFailedError);
              return undefined;
            };
            let written: { generation: string } | undefined;
            if (op === 'read') {
              const read = await store.read(key);
              expect(read && { value: read.data.toString(), generation: read.generation }).toEqual(current);
            } else if (op === 'create') {
              written = await attempt(() => store.createIfAbsent(key, value), !current);
            } else if (op === 'cas') {
              written = await attempt(
                () => store.compareAndSwap(key, known, value),
                current?.generation === known,
              );
            } else {
              const at = op === 'deleteAt' ? known : undefined;
              const ok = !current || at === undefined || current.generation === at;
              await attempt(() => store.delete(key, at), ok);
              if (ok) model.delete(key);
            }
            if (written) {
              // Every write, even after a delete, gets a generation above any the key had before.
              for (const g of past) expect(gen(written.generation)).toBeGreaterThan(gen(g));
              model.set(key, { value, generation: written.generation });
              history.set(key, [...past, written.generation]);
            }
          }
          expect(await store.list(`prop/${run}/`)).toEqual([...model.keys()].sort());
        }),
        { numRuns: 20 },
      );
    });
  });
}
