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
      opts.signal?.throwIfAborted();
      const now = this.clock.now();
      const wait = Math.max(0, this.nextAt - now);
      if (wait > (opts.maxWaitMs ?? Number.POSITIVE_INFINITY)) throw new WriteWaitTooLongError(wait);
      this.nextAt = Math.max(now, this.nextAt) + this.minIntervalMs;
      if (wait > 0) await this.clock.sleep(wait, opts.signal);
    });
    this.queue = turn.catch(() => undefined);
    return turn;
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
