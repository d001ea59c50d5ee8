import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store.js';
import { StoreUnavailableError } from './store.js';
import { describeStateStoreContract } from './store-contract.js';

describeStateStoreContract('memory', () => createMemoryStore());

describe('memory store outage switch', () => {
  it('fails every method with StoreUnavailableError while unavailable', async () => {
    const store = createMemoryStore();
    const { generation } = await store.createIfAbsent('k', 'v');
    store.setUnavailable(true);
    await expect(store.createIfAbsent('k2', 'v')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.read('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.compareAndSwap('k', generation, 'w')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.delete('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.list('')).rejects.toBeInstanceOf(StoreUnavailableError);
    store.setUnavailable(false);
    expect((await store.read('k'))?.data.toString()).toBe('v');
  });
});
