import { FieldValue, type Firestore } from '@google-cloud/firestore';
import type { CallRunner } from './firestore-calls.js';
import { COLLECTIONS, expireAt, type KvDoc, kvRef } from './firestore-documents.js';
import { assertValidKey, assertValidPrefix } from './keys.js';
import { PreconditionFailedError, type StateStore, type StoredObject } from './store.js';

/** Above every key character (keys are ASCII below `~`): `prefix + END` bounds a prefix range. */
const END = '\u007f';

/**
 * How long a deleted key's tombstone is kept (its expireAt). While it is there, a key created
 * again continues from its generation; after it, a new key starts at a generation above any the
 * clock could have given before (microseconds since the epoch), so no generation comes back.
 */
const TOMBSTONE_MS = 30 * 24 * 3600 * 1000;

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
