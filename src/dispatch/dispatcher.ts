import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { Completion, OutboxEntry, RelayState } from '../state/relay-state.js';

/** Turns the entries of one cycle into completions; `signal` aborts on stop (finish what is in flight, retry nothing). */
export type CycleHandler = (entries: readonly OutboxEntry[], signal: AbortSignal) => Promise<Completion[]>;

export interface DispatcherOptions {
  readonly state: RelayState;
  readonly target: string;
  /** Who holds the lease (this worker's id). */
  readonly holder: string;
  /** A crashed holder's lease is taken over after this long. */
  readonly leaseMs: number;
  /** Entries taken per cycle at most. */
  readonly batchSize: number;
  /** Pause between cycles (Slack: the digest window) and while the outbox is empty. */
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly handle: CycleHandler;
  /** Told of every completion once it is recorded (outcome logs, metrics, recent outcomes). */
  readonly onCompleted?: (entry: OutboxEntry, completion: Completion) => void;
  /**
   * How long until the channel could send now (Slack's pacer). Entries are taken only then, so
   * a finding arriving meanwhile joins this digest instead of waiting for the next one's slot.
   */
  readonly readyInMs?: () => number;
}

export interface RunningDispatcher {
  readonly target: string;
  /** Whether this worker held the lease at its last cycle. */
  readonly leased: () => boolean;
  /** Lets the cycle in flight finish (its requests, not its retries), records it, releases the lease. */
  stop(): Promise<void>;
}

/** Completions recorded per transaction (see recordCompletions). */
const COMPLETION_CHUNK = 250;

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One dispatcher per target, fleet-wide: every worker runs this loop, and the lease in the state
 * store lets exactly one of them take entries at a time (the others stand by and take over within
 * one lease after a crash). Taking entries renews the lease in the same transaction; a long cycle
 * keeps renewing it, so a slow Slack or GitHub never lets a second worker send the same entries.
 */
export function startDispatcher(opts: DispatcherOptions): RunningDispatcher {
  const { state, clock, log, target } = opts;
  const lease = { name: target, holder: opts.holder, ttlMs: opts.leaseMs };
  const stopping = new AbortController();
  let leased = false;
  let storeDown = false;

  const pause = (ms: number) => clock.sleep(ms, stopping.signal).catch(() => undefined);

  async function cycle(): Promise<void> {
    // Capped at a third of the lease: a long pause (a Retry-After) is waited out inside the
    // cycle instead, where the lease keeps being renewed.
    const ready = leased ? Math.min(opts.readyInMs?.() ?? 0, Math.floor(opts.leaseMs / 3)) : 0;
    if (ready > 0) {
      await pause(ready);
      if (stopping.signal.aborted) return;
    }
    const taken = await state.takeDue(lease, target, opts.batchSize, clock.now());
    if (storeDown) log.info({ target }, 'dispatcher: state store answers again');
    storeDown = false;
    if (taken.leased !== leased)
      log.info(
        { target, leased: taken.leased },
        taken.leased ? 'dispatcher lease taken' : 'dispatcher standing by',
      );
    leased = taken.leased;
    if (!leased) return pause(Math.max(250, Math.floor(opts.leaseMs / 3)));
    if (taken.entries.length === 0) return pause(opts.intervalMs);

    const renewal = keepRenewing(clock.now());
    let completions: Completion[];
    try {
      completions = await opts.handle(taken.entries, AbortSignal.any([stopping.signal, renewal.lost]));
    } finally {
      renewal.stop();
    }
    await recordCompletions(taken.entries, completions);
    return pause(opts.intervalMs);
  }

  /**
   * Renews the lease every third of it while a cycle's requests are in flight. If the lease is
   * lost (another worker holds it, or renewals failed until it expired), `lost` aborts: the cycle
   * finishes the requests in flight and starts no new one, since the new holder takes the same
   * entries.
   */
  function keepRenewing(takenAt: number) {
    const done = new AbortController();
    const lost = new AbortController();
    let renewedAt = takenAt;
    const loseIt = (why: string) => {
      log.warn({ target, why }, 'dispatcher: lease lost mid-cycle; no new requests');
      lost.abort(new Error(`dispatcher lease lost: ${why}`));
    };
    void (async () => {
      while (!done.signal.aborted && !lost.signal.aborted) {
        await clock.sleep(Math.max(100, Math.floor(opts.leaseMs / 3)), done.signal).catch(() => undefined);
        if (done.signal.aborted) return;
        const at = clock.now();
        try {
          if ((await state.takeDue(lease, target, 0, at)).leased) renewedAt = at;
          else loseIt('another worker holds it');
        } catch (error) {
          log.warn({ target, err: describe(error) }, 'dispatcher: could not renew its lease');
          if (clock.now() >= renewedAt + opts.leaseMs) loseIt('not renewed within the lease');
        }
      }
    })();
    return { stop: () => done.abort(), lost: lost.signal };
  }

  /**
   * The side effects happened: their records are worth waiting for through a store outage. They
   * go in chunks with a turn of the event loop between them: one transaction and one report loop
   * for a whole digest (thousands of entries) would stall intake's acks for most of a second.
   */
  async function recordCompletions(entries: readonly OutboxEntry[], completions: Completion[]) {
    const byKey = new Map(entries.map((e) => [`${e.eventId}\u0000${e.channel}`, e]));
    for (let from = 0; from < completions.length; from += COMPLETION_CHUNK) {
      if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const chunk = completions.slice(from, from + COMPLETION_CHUNK);
      if (!(await recordChunk(chunk))) return;
      for (const c of chunk) {
        const entry = byKey.get(`${c.eventId}\u0000${c.channel}`);
        if (entry) opts.onCompleted?.(entry, c);
      }
    }
  }

  /** false when the dispatcher stopped before the chunk could be recorded (it may be repeated). */
  async function recordChunk(chunk: Completion[]): Promise<boolean> {
    for (let pauseMs = 250; ; pauseMs = Math.min(pauseMs * 2, 5_000)) {
      try {
        await state.complete(chunk, clock.now());
        return true;
      } catch (error) {
        log.warn(
          { target, entries: chunk.length, err: describe(error) },
          'dispatcher: could not record completions; retrying',
        );
        if (stopping.signal.aborted) {
          log.error(
            { target },
            'dispatcher stopped before its completions were recorded: they may be repeated',
          );
          return false;
        }
        await pause(pauseMs);
      }
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await cycle();
      } catch (error) {
        if (!storeDown)
          log.warn({ target, err: describe(error) }, 'dispatcher: state store unavailable; will retry');
        storeDown = true;
        leased = false;
        await pause(1_000);
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    target,
    leased: () => leased,
    stop() {
      stopped ??= (async () => {
        stopping.abort(new Error('dispatcher stopping'));
        await loop;
        await state.releaseLease(lease.name, lease.holder).catch(() => undefined);
        leased = false;
      })();
      return stopped;
    },
  };
}
