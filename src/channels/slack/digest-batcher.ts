import type { Clock } from '../../lib/clock.js';

export interface DigestBatcherOptions<T, R> {
  /** How long a window stays open after its first item; 0 = only what arrives in the same tick. */
  windowMs: number;
  clock: Clock;
  /**
   * Sends one digest; must not throw (a throw settles its callers with the error). `signal` is
   * aborted when any caller whose items are in the digest aborts: stop waiting, settle now.
   */
  send(items: readonly T[], signal: AbortSignal): Promise<R>;
}

/** Thrown to callers after close(). */
export class BatcherClosedError extends Error {
  override name = 'BatcherClosedError';
}

interface Waiter<R> {
  resolve(result: R): void;
  reject(error: unknown): void;
}

interface Batch<T, R> {
  items: T[];
  waiters: Waiter<R>[];
  signals: Set<AbortSignal>;
  /** Removes the abort listeners this window added (a shared shutdown signal must not pile them up). */
  cleanups: (() => void)[];
}

const newBatch = <T, R>(): Batch<T, R> => ({ items: [], waiters: [], signals: new Set(), cleanups: [] });

/**
 * Gathers items arriving within a window into one digest, and sends digests one at a time. Windows
 * that close while a digest is still on its way (paced, retried) are merged into the next digest,
 * so a flood, or a slow Slack, gives a few messages rather than one per window.
 * Each add() resolves with the result of the digest that carried its items.
 */
export class DigestBatcher<T, R> {
  private open: Batch<T, R> | undefined;
  private closeWindow: AbortController | undefined;
  private readonly ready: Batch<T, R>[] = [];
  private sending: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: DigestBatcherOptions<T, R>) {}

  add(items: readonly T[], signal?: AbortSignal): Promise<R> {
    if (this.closed) return Promise.reject(new BatcherClosedError('slack digest batcher is closed'));
    const batch = this.open ?? this.openWindow();
    batch.items.push(...items);
    const result = new Promise<R>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (signal && !batch.signals.has(signal)) {
      batch.signals.add(signal);
      // A caller that must settle now (shutdown) ends the window early rather than waiting it out.
      if (signal.aborted) this.endWindow();
      else {
        const onAbort = () => this.open === batch && this.endWindow();
        signal.addEventListener('abort', onAbort, { once: true });
        batch.cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return result;
  }

  /** Sends what is gathered now and resolves when every digest has its result. */
  async close(): Promise<void> {
    this.closed = true;
    this.endWindow();
    while (this.sending) await this.sending;
  }

  private openWindow(): Batch<T, R> {
    const batch = newBatch<T, R>();
    this.open = batch;
    const controller = new AbortController();
    this.closeWindow = controller;
    const wait =
      this.opts.windowMs > 0
        ? this.opts.clock.sleep(this.opts.windowMs, controller.signal)
        : new Promise<void>((resolve) => setImmediate(resolve));
    wait.then(
      () => this.open === batch && this.endWindow(),
      () => undefined, // ended early: endWindow already ran
    );
    return batch;
  }

  private endWindow(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    this.closeWindow?.abort();
    this.closeWindow = undefined;
    for (const cleanup of batch.cleanups.splice(0)) cleanup();
    this.ready.push(batch);
    this.kick();
  }

  private kick(): void {
    if (this.sending) return;
    this.sending = this.drain().finally(() => {
      this.sending = undefined;
      // A window may have ended between the last loop check and this line.
      if (this.ready.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.ready.length > 0) {
      const merged = newBatch<T, R>();
      for (const batch of this.ready.splice(0)) {
        merged.items.push(...batch.items);
        merged.waiters.push(...batch.waiters);
        for (const signal of batch.signals) merged.signals.add(signal);
      }
      const signal = AbortSignal.any([...merged.signals]);
      try {
        const result = await this.opts.send(merged.items, signal);
        for (const waiter of merged.waiters) waiter.resolve(result);
      } catch (error) {
        for (const waiter of merged.waiters) waiter.reject(error);
      }
    }
  }
}
