import type { Outcome } from '../channels/types.js';

const MINUTE_MS = 60_000;

/** One minute of the chart: its start (ms since the epoch) and the outcomes counted in it. */
export interface MinuteCount {
  readonly minuteStart: number;
  /** Final outcomes: sent, dry-run, dropped. */
  readonly done: number;
  /** Failures: transient (retried) and permanent (dead-lettered). */
  readonly failed: number;
}

/**
 * Channel outcomes per minute for the last `minutes` (an hour by default), kept in process as a
 * ring of per-minute counts: the status page's chart. `queued` is a way in, not an outcome, and
 * is not counted. Nothing here outlives the process; /metrics has the counters for history.
 */
export class OutcomesPerMinute {
  readonly #minute: number[];
  readonly #done: number[];
  readonly #failed: number[];

  constructor(readonly minutes = 60) {
    this.#minute = new Array<number>(minutes).fill(-1);
    this.#done = new Array<number>(minutes).fill(0);
    this.#failed = new Array<number>(minutes).fill(0);
  }

  record(now: number, outcome: Outcome['kind']): void {
    if (outcome === 'queued') return;
    const m = Math.floor(now / MINUTE_MS);
    const i = m % this.minutes;
    if (this.#minute[i] !== m) {
      this.#minute[i] = m;
      this.#done[i] = 0;
      this.#failed[i] = 0;
    }
    if (outcome === 'transient' || outcome === 'permanent') this.#failed[i]! += 1;
    else this.#done[i]! += 1;
  }

  /** The last `minutes` minutes up to the one `now` falls in, oldest first (empty minutes count 0). */
  series(now: number): MinuteCount[] {
    const current = Math.floor(now / MINUTE_MS);
    const out: MinuteCount[] = [];
    for (let m = current - this.minutes + 1; m <= current; m++) {
      const i = ((m % this.minutes) + this.minutes) % this.minutes;
      const hit = this.#minute[i] === m;
      out.push({
        minuteStart: m * MINUTE_MS,
        done: hit ? this.#done[i]! : 0,
        failed: hit ? this.#failed[i]! : 0,
      });
    }
    return out;
  }
}
