import { describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import { manualClock } from '../../lib/test-clock.js';
import { PacerWaitTooLongError, SendPacer } from './pacer.js';

/** Starts `n` acquires and records the clock time each one was granted. */
function acquireAll(pacer: SendPacer, clock: Clock, n: number, opts = {}) {
  const granted: number[] = [];
  const done = Array.from({ length: n }, () => pacer.acquire(opts).then(() => granted.push(clock.now())));
  return { granted, done };
}

describe('SendPacer', () => {
  it('lets a burst through at once, then one per second', async () => {
    const { clock, advance } = manualClock();
    const start = clock.now();
    const pacer = new SendPacer({ clock, perSecond: 1, burst: 3 });
    const { granted } = acquireAll(pacer, clock, 6);
    await advance(0);
    expect(granted.map((t) => t - start)).toEqual([0, 0, 0]);
    await advance(10_000);
    expect(granted.map((t) => t - start)).toEqual([0, 0, 0, 1_000, 2_000, 3_000]);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const { clock, advance } = manualClock();
    const pacer = new SendPacer({ clock, perSecond: 1, burst: 2 });
    await advance(60_000);
    const start = clock.now();
    const { granted } = acquireAll(pacer, clock, 4);
    await advance(10_000);
    expect(granted.map((t) => t - start)).toEqual([0, 0, 1_000, 2_000]);
  });

  it('pauses every sender until a Retry-After has passed, then allows one at once', async () => {
    const { clock, advance } = manualClock();
    const start = clock.now();
    const pacer = new SendPacer({ clock, perSecond: 1, burst: 3 });
    pacer.pauseUntil(start + 5_000);
    expect(pacer.waitMs()).toBe(5_000);
    const { granted } = acquireAll(pacer, clock, 3);
    await advance(4_999);
    expect(granted).toEqual([]);
    await advance(10_000);
    expect(granted.map((t) => t - start)).toEqual([5_000, 6_000, 7_000]);
  });

  it('an earlier pause never shortens a later one', async () => {
    const { clock } = manualClock();
    const pacer = new SendPacer({ clock });
    pacer.pauseUntil(clock.now() + 5_000);
    pacer.pauseUntil(clock.now() + 1_000);
    expect(pacer.waitMs()).toBe(5_000);
  });

  it('refuses to wait longer than maxWaitMs, consuming nothing', async () => {
    const { clock, advance } = manualClock();
    const pacer = new SendPacer({ clock, burst: 1 });
    pacer.pauseUntil(clock.now() + 60_000);
    await expect(pacer.acquire({ maxWaitMs: 30_000 })).rejects.toBeInstanceOf(PacerWaitTooLongError);
    await advance(60_000);
    await expect(pacer.acquire({ maxWaitMs: 0 })).resolves.toBeUndefined();
  });

  it('stops waiting when the signal aborts, and the queue keeps working', async () => {
    const { clock, advance } = manualClock();
    const pacer = new SendPacer({ clock, burst: 1 });
    await pacer.acquire();
    const controller = new AbortController();
    const waiting = pacer.acquire({ signal: controller.signal });
    controller.abort(new Error('shutdown'));
    await expect(waiting).rejects.toThrow('shutdown');
    const next = pacer.acquire();
    await advance(1_000);
    await expect(next).resolves.toBeUndefined();
  });
});
