import { describe, expect, it } from 'vitest';
import { createMemoryRelayState } from './memory-relay-state.js';
import { describeRelayStateContract, request } from './relay-state-contract.js';
import { StoreUnavailableError } from './store.js';

describeRelayStateContract('memory', () => {
  const state = createMemoryRelayState();
  return { state, setUnavailable: (on) => state.setUnavailable(on) };
});

describe('memory relay state', () => {
  it('settles on a later tick and copies payloads, as a real store would', async () => {
    const state = createMemoryRelayState();
    const payload = { n: 1 };
    let settled = false;
    const pending = state.enqueue([request('e', { payload })], 0).then(() => {
      settled = true;
    });
    expect(settled).toBe(false);
    await pending;
    payload.n = 2;
    const { entries } = await state.takeDue({ name: 'l', holder: 'w', ttlMs: 1 }, 'slack:hook', 1, 0);
    expect(entries[0]?.payload).toEqual({ n: 1 });
  });

  it('rejects every call once closed', async () => {
    const state = createMemoryRelayState();
    await state.close();
    await expect(state.outboxStats()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
