import { describe, expect, it } from 'vitest';
import { steppedClock } from '../lib/test-clock.js';
import type { FingerprintWindowPort } from '../pipeline/side-effect-claims.js';
import { createFingerprintWindow, fingerprintKey } from './fingerprint-window.js';
import { createMemoryStore } from './memory-store.js';
import { StoreUnavailableError } from './store.js';

const manualClock = () => steppedClock();

const setup = () => {
  const store = createMemoryStore();
  const clock = manualClock();
  return { store, clock, window: createFingerprintWindow(store, { windowS: 3600, clock }) };
};

describe('fingerprint window', () => {
  it('fits the dedupe stage port', () => {
    const port: FingerprintWindowPort = setup().window;
    expect(port).toBeDefined();
  });

  it('announces a fingerprint once per window and per scope, counting later sightings', async () => {
    const { window, clock } = setup();
    const opened = clock.now();
    expect((await window.firstInWindow('slack', 'fp-1')).first).toBe(true);
    clock.advance(1000);
    expect(await window.firstInWindow('slack', 'fp-1')).toEqual({ first: false, since: opened, count: 2 });
    expect(await window.firstInWindow('slack', 'fp-1')).toEqual({ first: false, since: opened, count: 3 });
    expect((await window.firstInWindow('github', 'fp-1')).first).toBe(true);
    expect((await window.firstInWindow('slack', 'fp-2')).first).toBe(true);
    clock.advance(3_599_000 - 1);
    expect((await window.firstInWindow('slack', 'fp-1')).first).toBe(false);
    clock.advance(1);
    expect((await window.firstInWindow('slack', 'fp-1')).first).toBe(true);
    expect(await window.firstInWindow('slack', 'fp-1')).toEqual({
      first: false,
      since: clock.now(),
      count: 2,
    });
  });

  it('lets exactly one of 20 concurrent callers be first', async () => {
    const { store, clock } = setup();
    const workers = Array.from({ length: 20 }, () => createFingerprintWindow(store, { windowS: 60, clock }));
    const results = await Promise.all(workers.map((w) => w.firstInWindow('slack', 'flood')));
    expect(results.filter((r) => r.first)).toHaveLength(1);
  });

  it('lets only one of concurrent callers reopen an expired window', async () => {
    const { store, clock, window } = setup();
    await window.firstInWindow('slack', 'fp');
    clock.advance(3_600_000);
    const workers = Array.from({ length: 10 }, () =>
      createFingerprintWindow(store, { windowS: 3600, clock }),
    );
    const results = await Promise.all(workers.map((w) => w.firstInWindow('slack', 'fp')));
    expect(results.filter((r) => r.first)).toHaveLength(1);
  });

  it('gives the window back on release, even after sightings were counted', async () => {
    const { window } = setup();
    const first = await window.firstInWindow('slack', 'fp');
    if (!first.first) throw new Error('expected first');
    await window.firstInWindow('slack', 'fp'); // moves the generation on
    await window.release(first.token);
    expect((await window.firstInWindow('slack', 'fp')).first).toBe(true);
    await window.release(first.token); // no longer ours: leaves the new window alone
    expect((await window.firstInWindow('slack', 'fp')).first).toBe(false);
  });

  it('keeps the first event first when it is redelivered', async () => {
    const { window } = setup();
    expect((await window.firstInWindow('slack', 'fp', 'evt-1')).first).toBe(true);
    expect((await window.firstInWindow('slack', 'fp', 'evt-2')).first).toBe(false);
    expect((await window.firstInWindow('slack', 'fp', 'evt-1')).first).toBe(true);
  });

  it('treats an unreadable window record as expired', async () => {
    const { window, store } = setup();
    await store.createIfAbsent(fingerprintKey('slack', 'fp'), '{broken');
    expect((await window.firstInWindow('slack', 'fp')).first).toBe(true);
    expect((await window.firstInWindow('slack', 'fp')).first).toBe(false);
  });

  it('surfaces an unavailable store as StoreUnavailableError', async () => {
    const { window, store } = setup();
    const first = await window.firstInWindow('slack', 'fp');
    if (!first.first) throw new Error('expected first');
    store.setUnavailable(true);
    await expect(window.firstInWindow('slack', 'other')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(window.release(first.token)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
