import { FieldValue, type Firestore } from '@google-cloud/firestore';
import type { CallRunner } from './firestore-calls.js';
import { COLLECTIONS, expireAt, type KvDoc, kvRef } from './firestore-documents.js';
import { assertValidKey, assertValidPrefix } from './keys.js';
import {
  assertDistinctKeys,
  type KvWrite,
  PreconditionFailedError,
  type StateStore,
  type StoredObject,
} from './store.js';

/** Above every key character (keys are ASCII below `~`): `prefix + END` bounds a prefix range. */
const END = '\u007f';

/**
 * How long a deleted key's tombstone is kept (its expireAt). While it is there, a key created
 * again continues from its generation; after it, a new key starts at a generation above any the
 * clock could have given before (microseconds since the epoch), so no generation comes back.
 */
const TOMBSTONE_MS = 30 * 24 * 3600 * 1000;
/** Firestore's limit of writes per commit. */
const MAX_WRITES = 500;

/**
 * The StateStore contract on `relay_kv` (the GitHub issue index): one document per key (hashed id),
 * its generation a counter in the document, every change one transaction that reads it first.
 * Deleting leaves a tombstone (`deleted: true`, with expireAt) so the counter survives a delete.
 * Unlike the RelayState calls this reads the clock (for a fresh key's first generation).
 */
export function createFirestoreKvStore(db: Firestore, runner: CallRunner, location: string): StateStore {
  const stored = (key: string, data: Buffer, generation: number): StoredObject => ({
    key,
    data: Buffer.from(data),
    generation: String(generation),
  });
  const live = (doc: KvDoc | undefined) => (doc && !doc.deleted ? doc : undefined);
  const asGeneration = (generation: string) => (/^\d{1,16}$/.test(generation) ? Number(generation) : -1);

  const commitChunk = (writes: readonly KvWrite[], guard: Parameters<CallRunner['read']>[0]) =>
    runner.commit(db, guard, async (batch) => {
      const refs = writes.map((w) => kvRef(db, w.key));
      const snaps = await db.getAll(...refs);
      runner.read(guard, refs.length);
      let staged = 0;
      const result = writes.map((w, i): StoredObject | undefined => {
        const snap = snaps[i]!;
        const before = snap.data() as KvDoc | undefined;
        const bytes = Buffer.from(w.data);
        if (w.generation === undefined) {
          if (live(before)) return undefined;
          const generation = Math.max((before?.generation ?? 0) + 1, Date.now() * 1000);
          if (snap.exists)
            batch.update(
              refs[i]!,
              { key: w.key, data: bytes, generation, deleted: false, expireAt: FieldValue.delete() },
              { lastUpdateTime: snap.updateTime! },
            );
          else
            batch.create(refs[i]!, { key: w.key, data: bytes, generation, deleted: false } satisfies KvDoc);
          staged += 1;
          return stored(w.key, bytes, generation);
        }
        const current = live(before);
        if (current?.generation !== asGeneration(w.generation)) return undefined;
        const next = current.generation + 1;
        batch.update(refs[i]!, { data: bytes, generation: next }, { lastUpdateTime: snap.updateTime! });
        staged += 1;
        return stored(w.key, bytes, next);
      });
      return { result, writes: staged };
    });

  return {
    location,
    createIfAbsent: async (key, data) => {
      assertValidKey(key);
      const bytes = Buffer.from(data);
      return runner.run('createIfAbsent', (guard) =>
        runner.commit(db, guard, async (batch) => {
          const ref = kvRef(db, key);
          const snap = await ref.get();
          runner.read(guard, 1);
          const before = snap.data() as KvDoc | undefined;
          if (live(before)) throw new PreconditionFailedError(`"${key}" already exists`);
          const generation = Math.max((before?.generation ?? 0) + 1, Date.now() * 1000);
          const revived = { key, data: bytes, generation, deleted: false, expireAt: FieldValue.delete() };
          if (snap.exists) batch.update(ref, revived, { lastUpdateTime: snap.updateTime! });
          else batch.create(ref, { key, data: bytes, generation, deleted: false } satisfies KvDoc);
          return { result: stored(key, bytes, generation), writes: 1 };
        }),
      );
    },
    read: async (key) => {
      assertValidKey(key);
      return runner.run('read', async (guard) => {
        const snap = await kvRef(db, key).get();
        runner.read(guard, 1);
        const doc = live(snap.data() as KvDoc | undefined);
        return doc && stored(key, Buffer.from(doc.data), doc.generation);
      });
    },
    compareAndSwap: async (key, generation, data) => {
      assertValidKey(key);
      const bytes = Buffer.from(data);
      return runner.run('compareAndSwap', (guard) =>
        runner.commit(db, guard, async (batch) => {
          const ref = kvRef(db, key);
          const snap = await ref.get();
          runner.read(guard, 1);
          const before = live(snap.data() as KvDoc | undefined);
          if (before?.generation !== asGeneration(generation)) {
            throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
          }
          const next = before.generation + 1;
          batch.update(ref, { data: bytes, generation: next }, { lastUpdateTime: snap.updateTime! });
          return { result: stored(key, bytes, next), writes: 1 };
        }),
      );
    },
    delete: async (key, generation) => {
      assertValidKey(key);
      return runner.run('delete', (guard) =>
        runner.commit(db, guard, async (batch) => {
          const ref = kvRef(db, key);
          const snap = await ref.get();
          runner.read(guard, 1);
          const before = live(snap.data() as KvDoc | undefined);
          if (!before) return { result: undefined, writes: 0 };
          if (generation !== undefined && before.generation !== asGeneration(generation)) {
            throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
          }
          batch.update(
            ref,
            { data: Buffer.alloc(0), deleted: true, expireAt: expireAt(Date.now() + TOMBSTONE_MS) },
            { lastUpdateTime: snap.updateTime! },
          );
          return { result: undefined, writes: 1 };
        }),
      );
    },
    readMany: async (keys) => {
      for (const key of keys) assertValidKey(key);
      return runner.run('readMany', async (guard) => {
        const found = new Map<string, StoredObject>();
        for (let at = 0; at < keys.length; at += MAX_WRITES) {
          const chunk = keys.slice(at, at + MAX_WRITES);
          const snaps = await db.getAll(...chunk.map((key) => kvRef(db, key)));
          runner.read(guard, chunk.length);
          snaps.forEach((snap, i) => {
            const doc = live(snap.data() as KvDoc | undefined);
            if (doc) found.set(chunk[i]!, stored(chunk[i]!, Buffer.from(doc.data), doc.generation));
          });
        }
        return found;
      });
    },
    writeMany: async (writes) => {
      for (const w of writes) assertValidKey(w.key);
      assertDistinctKeys(writes);
      return runner.run('writeMany', async (guard) => {
        const results: Array<StoredObject | undefined> = [];
        // One commit per 500 writes; within one, each write is conditioned on what was read.
        for (let at = 0; at < writes.length; at += MAX_WRITES) {
          results.push(...(await commitChunk(writes.slice(at, at + MAX_WRITES), guard)));
        }
        return results;
      });
    },
    list: async (prefix) => {
      assertValidPrefix(prefix);
      return runner.run('list', async (guard) => {
        const snap = await db
          .collection(COLLECTIONS.kv)
          .where('key', '>=', prefix)
          .where('key', '<', prefix + END)
          .orderBy('key')
          .select('key', 'deleted')
          .get();
        runner.read(guard, Math.max(1, snap.size));
        return snap.docs.filter((d) => d.get('deleted') !== true).map((d) => d.get('key') as string);
      });
    },
  };
}
