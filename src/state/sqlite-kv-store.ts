import { assertValidKey, assertValidPrefix } from './keys.js';
import type { SqliteConnection } from './sqlite-connection.js';
import { assertDistinctKeys, PreconditionFailedError, type StateStore, type StoredObject } from './store.js';

/** Above every key character (keys are ASCII below `~`): `prefix + END` bounds a prefix range. */
const END = '\u007f';

/** The StateStore contract on the `kv` table of a relay state database (migration 2). */
export function createSqliteKvStore(conn: SqliteConnection): StateStore {
  const { db } = conn;
  const select = db.prepare('SELECT data, generation FROM kv WHERE key = ?');
  const nextGeneration = db.prepare(
    "UPDATE meta SET value = value + 1 WHERE name = 'kv_generation' RETURNING value",
  );
  const insert = db.prepare('INSERT INTO kv (key, data, generation) VALUES (?, ?, ?)');
  const swap = db.prepare('UPDATE kv SET data = ?, generation = ? WHERE key = ? AND generation = ?');
  const remove = db.prepare('DELETE FROM kv WHERE key = ?');
  const removeAt = db.prepare('DELETE FROM kv WHERE key = ? AND generation = ?');
  const list = db.prepare('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key');

  const bump = () => Number((nextGeneration.get() as { value: number }).value);
  const stored = (key: string, data: Buffer, generation: number): StoredObject => ({
    key,
    data: Buffer.from(data),
    generation: String(generation),
  });
  // A generation string that is not a number can match nothing (and must not throw in sqlite).
  const asGeneration = (generation: string) => (/^\d{1,15}$/.test(generation) ? Number(generation) : -1);

  return {
    location: conn.location,
    createIfAbsent: async (key, data) => {
      assertValidKey(key);
      const bytes = Buffer.from(data);
      return conn.write('createIfAbsent', () => {
        if (select.get(key)) throw new PreconditionFailedError(`"${key}" already exists`);
        const generation = bump();
        insert.run(key, bytes, generation);
        return stored(key, bytes, generation);
      });
    },
    read: async (key) => {
      assertValidKey(key);
      return conn.read('read', () => {
        const row = select.get(key) as { data: Uint8Array; generation: number } | undefined;
        return row && stored(key, Buffer.from(row.data), row.generation);
      });
    },
    compareAndSwap: async (key, generation, data) => {
      assertValidKey(key);
      const bytes = Buffer.from(data);
      return conn.write('compareAndSwap', () => {
        const next = bump();
        if (swap.run(bytes, next, key, asGeneration(generation)).changes === 0) {
          throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`); // rolls back the bump
        }
        return stored(key, bytes, next);
      });
    },
    delete: async (key, generation) => {
      assertValidKey(key);
      return conn.write('delete', () => {
        if (generation === undefined) {
          remove.run(key);
          return;
        }
        if (removeAt.run(key, asGeneration(generation)).changes === 0 && select.get(key)) {
          throw new PreconditionFailedError(`"${key}" is not at generation ${generation}`);
        }
      });
    },
    list: async (prefix) => {
      assertValidPrefix(prefix);
      return conn.read('list', () => (list.all(prefix, prefix + END) as { key: string }[]).map((r) => r.key));
    },
    readMany: async (keys) => {
      for (const key of keys) assertValidKey(key);
      return conn.read('readMany', () => {
        const found = new Map<string, StoredObject>();
        for (const key of keys) {
          const row = select.get(key) as { data: Uint8Array; generation: number } | undefined;
          if (row) found.set(key, stored(key, Buffer.from(row.data), row.generation));
        }
        return found;
      });
    },
    writeMany: async (writes) => {
      for (const w of writes) assertValidKey(w.key);
      assertDistinctKeys(writes);
      const rows = writes.map((w) => ({ ...w, bytes: Buffer.from(w.data) }));
      // One transaction; a write whose precondition fails is skipped, the others commit.
      return conn.write('writeMany', () =>
        rows.map((w) => {
          if (w.generation === undefined) {
            if (select.get(w.key)) return undefined;
            const generation = bump();
            insert.run(w.key, w.bytes, generation);
            return stored(w.key, w.bytes, generation);
          }
          const current = select.get(w.key) as { generation: number } | undefined;
          if (current?.generation !== asGeneration(w.generation)) return undefined;
          const next = bump();
          swap.run(w.bytes, next, w.key, current.generation);
          return stored(w.key, w.bytes, next);
        }),
      );
    },
  };
}
