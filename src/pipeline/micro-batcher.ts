import type { Clock } from '../lib/clock.js';

export interface MicroBatcherOptions {
  /** How long the first item of a batch waits for company. */
  maxWaitMs: number;
  maxSize: number;
  clock: Clock;
}

/**
 * Gathers items arriving within a few milliseconds into one batch, so the per-message cost of
 * the stages (state store round trips, ledger writes) is shared.
 */
export class MicroBatcher<T> {
  #items: T[] = [];
  #timer: Promise<void> | undefined;

  constructor(
    private readonly opts: MicroBatcherOptions,
    private readonly onBatch: (batch: T[]) => void,
  ) {}

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.opts.maxSize) {
      this.flush();
    } else if (!this.#timer) {
      this.#timer = this.opts.clock.sleep(this.opts.maxWaitMs).then(() => {
        this.#timer = undefined;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.#items.length === 0) return;
    const batch = this.#items;
    this.#items = [];
    this.onBatch(batch);
  }

  get size(): number {
    return this.#items.length;
  }
}
