import type { Clock } from '../../lib/clock.js';

export interface PacerOptions {
  clock: Clock;
  /** Sustained sends per second (Slack: about one message per second per webhook). */
  perSecond?: number;
  /** Sends allowed back to back after a quiet spell (Slack allows short bursts). */
  burst?: number;
}

/** Why a send may not go now: the caller turns this into a transient outcome. */
export class PacerWaitTooLongError extends Error {
  override name = 'PacerWaitTooLongError';
  constructor(readonly waitMs: number) {
    super(`slack rate limit: next send allowed in ${waitMs} ms`);
  }
}

/**
 * A token bucket per webhook, on the injected clock. A server's Retry-After pauses the bucket until
 * then, so every digest (not only the one that was refused) waits. Waiters are served in order.
 */
export class SendPacer {
  private readonly clock: Clock;
  private readonly perSecond: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(opts: PacerOptions) {
    this.clock = opts.clock;
    this.perSecond = opts.perSecond ?? 1;
    this.burst = Math.max(1, opts.burst ?? 3);
    this.tokens = this.burst;
    this.refilledAt = this.clock.now();
  }

  /**
   * Resolves when one send may go. Rejects with PacerWaitTooLongError when the wait would exceed
   * `maxWaitMs` (nothing is consumed then), or with the signal's reason when aborted.
   */
  acquire(opts: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<void> {
    const turn = this.queue.then(() => this.take(opts.signal, opts.maxWaitMs ?? Number.POSITIVE_INFINITY));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Honours a server's Retry-After: no send before `untilMs`, then one may go at once. */
  pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil) return;
    this.pausedUntil = untilMs;
    this.tokens = 1;
    this.refilledAt = untilMs;
  }

  /** How long a send would wait now (for tests and status). */
  waitMs(): number {
    this.refill();
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  private refill(): void {
    const now = this.clock.now();
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }

  private async take(signal: AbortSignal | undefined, maxWaitMs: number): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.waitMs();
      if (wait === 0) {
        this.tokens -= 1;
        return;
      }
      if (wait > maxWaitMs) throw new PacerWaitTooLongError(wait);
      await this.clock.sleep(wait, signal);
    }
  }
}
