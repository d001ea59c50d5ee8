import { describe, expect, it } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import { manualClock } from '../../lib/test-clock.js';
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

describe('WritePacer measures from the moment a write goes out', () => {
  it('a write sent late (its claim check took 240 ms) pushes the next one to a full interval after it', async () => {
    const { clock, advance } = manualClock(0);
    const pacer = new WritePacer(clock, 1_000);
    await pacer.acquire(); // granted at 0
    let second: number | undefined;
    void pacer.acquire().then(() => {
      second = clock.now();
    });
    await advance(240); // the second write waits for its slot meanwhile
    pacer.sending(); // the first goes out only now
    await advance(760);
    expect(second).toBeUndefined(); // 760 ms after the first was sent: too early
    await advance(240);
    expect(second).toBe(1_240);
  });

  it('a late wake-up starts the next interval, not the planned slot', async () => {
    let t = 0;
    const clock: Clock = {
      now: () => t,
      // Every timer fires 150 ms late, as on a loaded event loop.
      sleep: async (ms) => {
        t += ms + 150;
      },
    };
    const pacer = new WritePacer(clock, 1_000);
    const granted: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pacer.acquire();
      granted.push(t);
    }
    expect(granted.slice(1).map((g, i) => g - granted[i]!)).toEqual([1_150, 1_150, 1_150]);
  });

  it('a clock that does not move while sleeping (as in tests) is not waited on again and again', async () => {
    const clock: Clock = { now: () => 5_000, sleep: async () => undefined };
    const pacer = new WritePacer(clock, 1_000);
    await pacer.acquire();
    await pacer.acquire(); // waits its 1,000 ms once, and goes
    expect(pacer.waitMs()).toBe(1_000 + 1_000);
  });
});
