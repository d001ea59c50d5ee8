import type { Clock } from '../../lib/clock.js';

/** The wait for the next write slot is longer than the caller may hold a message. */
export class WriteWaitTooLongError extends Error {
  override name = 'WriteWaitTooLongError';
  constructor(readonly waitMs: number) {
    super(`GitHub write pacing: next write allowed in ${waitMs} ms`);
  }
}

/**
 * Spaces GitHub writes (GitHub's advice: serial mutations, at least a second apart; Octokit's
 * throttling uses 3 s for writes that notify, as issue and comment creation do) on the injected
 * clock. A secondary limit pauses every write, not only the refused one. Slots are taken in order.
 * The interval runs from when a write is granted (after any late wake-up) and again from when it
 * is actually sent (`sending`): work between the two (the claim check) or a late timer must not
 * bring the next write closer than the interval (measured: gaps of 850 ms at 1 s pacing).
 */
export class WritePacer {
  private nextAt = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly minIntervalMs: number,
  ) {}

  /** Resolves when one write may go; rejects with WriteWaitTooLongError (nothing taken) or the abort reason. */
  acquire(opts: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        opts.signal?.throwIfAborted();
        const slot = this.nextAt;
        const wait = Math.max(0, slot - this.clock.now());
        if (wait > (opts.maxWaitMs ?? Number.POSITIVE_INFINITY)) throw new WriteWaitTooLongError(wait);
        if (wait > 0) await this.clock.sleep(wait, opts.signal);
        // Waited again only if the slot moved meanwhile (`sending` of the previous write, or a
        // pause): a clock that does not move while sleeping, as in tests, never spins here.
        if (this.nextAt <= slot) {
          // Granted late (a late timer): the interval runs from now, not from the planned slot.
          this.nextAt = Math.max(slot, this.clock.now()) + this.minIntervalMs;
          return;
        }
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** The write granted last goes out now: the next one waits the interval from here. */
  sending(): void {
    this.nextAt = Math.max(this.nextAt, this.clock.now() + this.minIntervalMs);
  }

  /** No write before `untilMs` (a server's retry-after). */
  pauseUntil(untilMs: number): void {
    this.nextAt = Math.max(this.nextAt, untilMs);
  }

  /** How long the next write would wait now. */
  waitMs(): number {
    return Math.max(0, this.nextAt - this.clock.now());
  }
}
