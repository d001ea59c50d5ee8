import { describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import { WritePacer, WriteWaitTooLongError } from './write-pacer.js';

/** A clock whose sleep advances time at once, recording each wait. */
function steppingClock(): Clock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe('WritePacer', () => {
  it('spaces writes by the interval, in order', async () => {
    const clock = steppingClock();
    const pacer = new WritePacer(clock, 3_000);
    await Promise.all([pacer.acquire(), pacer.acquire(), pacer.acquire()]);
    expect(clock.slept).toEqual([3_000, 3_000]);
  });

  it('honours a pause and refuses waits longer than the caller allows', async () => {
    const clock = steppingClock();
    const pacer = new WritePacer(clock, 1_000);
    pacer.pauseUntil(clock.now() + 60_000);
    expect(pacer.waitMs()).toBe(60_000);
    await expect(pacer.acquire({ maxWaitMs: 10_000 })).rejects.toBeInstanceOf(WriteWaitTooLongError);
    expect(pacer.waitMs()).toBe(60_000); // nothing was taken
    await pacer.acquire({ maxWaitMs: 60_000 });
    expect(clock.slept).toEqual([60_000]);
  });

  it('stops waiting when aborted', async () => {
    const pacer = new WritePacer(steppingClock(), 1_000);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(pacer.acquire({ signal: controller.signal })).rejects.toThrow('stop');
  });
});
