import { describe, expect, it } from 'vitest';
import { createMemoryRelayState } from '../state/memory-relay-state.js';
import { StoreUnavailableError } from '../state/store.js';
import { observeState, StoreHealth } from './store-health.js';

describe('StoreHealth through observeState', () => {
  it('turns unavailable after 3 consecutive StoreUnavailableErrors, and back after one success', async () => {
    const inner = createMemoryRelayState();
    const health = new StoreHealth(3);
    const state = observeState(inner, health);
    const lease = { name: 't', holder: 'w1', ttlMs: 10_000 };
    inner.setUnavailable(true);
    await expect(state.enqueue([], 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(state.takeDue(lease, 't', 1, 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(health.available).toBe(true);
    expect(health.unavailableReason()).toBeNull();
    await expect(state.complete([], 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(health.available).toBe(false);
    expect(health.unavailableReason()).toMatch(
      /^state store unavailable: the last 3 state transactions failed/,
    );
    inner.setUnavailable(false);
    await expect(state.takeDue(lease, 't', 1, 1)).resolves.toEqual({ leased: true, entries: [] });
    expect(health.unavailableReason()).toBeNull();
  });

  it('ignores errors that are not about the store', () => {
    const health = new StoreHealth(1);
    health.failed(new TypeError('a bug'));
    expect(health.available).toBe(true);
  });
});
