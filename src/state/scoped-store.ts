import type { StateStore } from './store.js';

/** A view of a store under a key prefix (e.g. `state/prod/`), so environments sharing a bucket never meet. */
export function scopeStore(store: StateStore, prefix: string): StateStore {
  const p = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const strip = (key: string) => key.slice(p.length);
  const inner = (o: { key: string; data: Buffer; generation: string }) => ({ ...o, key: strip(o.key) });
  return {
    location: `${store.location}/${p.slice(0, -1)}`,
    createIfAbsent: async (key, data) => inner(await store.createIfAbsent(p + key, data)),
    read: async (key) => {
      const o = await store.read(p + key);
      return o && inner(o);
    },
    compareAndSwap: async (key, generation, data) =>
      inner(await store.compareAndSwap(p + key, generation, data)),
    delete: (key, generation) => store.delete(p + key, generation),
    list: async (prefix) => (await store.list(p + prefix)).map(strip),
    readMany: async (keys) => {
      const found = await store.readMany(keys.map((k) => p + k));
      return new Map([...found].map(([k, o]) => [strip(k), inner(o)]));
    },
    writeMany: async (writes) =>
      (await store.writeMany(writes.map((w) => ({ ...w, key: p + w.key })))).map((o) => o && inner(o)),
  };
}
