import type { Clock } from './clock.js';

/** Lets pending promise callbacks run (a few turns of the event loop). */
export const flushMicrotasks = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/**
 * A clock that moves only when the test advances it; sleeps resolve in time order as it passes
 * them, and reject when their signal aborts. For tests of timing logic without real waiting.
 */
export function manualClock(start = 0) {
  let t = start;
  const timers: { at: number; resolve: () => void }[] = [];
  const clock: Clock = {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = { at: t + ms, resolve };
        timers.push(timer);
        // Only while it is pending: the signal of a sleep that already ended may abort later,
        // and must not take another sleeper's timer (indexOf -1 would splice the last one).
        signal?.addEventListener(
          'abort',
          () => {
            const i = timers.indexOf(timer);
            if (i < 0) return;
            timers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
  };
  async function advance(ms: number): Promise<void> {
    const end = t + ms;
    for (;;) {
      await flushMicrotasks();
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > end) break;
      timers.shift();
      t = Math.max(t, next.at);
      next.resolve();
    }
    t = end;
    await flushMicrotasks();
  }
  return { clock, advance };
}
