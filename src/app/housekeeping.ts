import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { RelayState } from '../state/relay-state.js';
import { deleteEndedSilences } from '../state/silences.js';

/** Pub/Sub keeps an unacked message 7 days by default (31 at most): a done record outlives that. */
export const PUBSUB_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * How long a final delivery is remembered: longer than any redelivery can come (Pub/Sub's
 * retention, plus a day) and than the dedupe window, so neither repeats a side effect.
 */
export function doneRetentionMs(dedupeWindowS: number): number {
  return Math.max(PUBSUB_RETENTION_MS, dedupeWindowS * 1000) + 24 * 3600 * 1000;
}

/**
 * Deletes state rows past their retention every `everyMs` (the first pass after one period: a
 * fleet restarting together does not all sweep at once). Firestore's TTL policies do the same
 * on their own; this keeps a SQLite file from growing without bound.
 */
export function startHousekeeping(deps: {
  state: RelayState;
  clock: Clock;
  log: Logger;
  retentionMs: number;
  everyMs?: number;
  /** Also deletes this environment's silences ended more than SILENCE_RETENTION_MS ago. */
  silencesEnv?: string;
}): { stop(): Promise<void> } {
  const stopping = new AbortController();
  const everyMs = deps.everyMs ?? 10 * 60_000;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      await deps.clock.sleep(everyMs, stopping.signal).catch(() => undefined);
      if (stopping.signal.aborted) return;
      try {
        const now = deps.clock.now();
        const removed =
          (await deps.state.expire(now, deps.retentionMs)) +
          (deps.silencesEnv === undefined
            ? 0
            : await deleteEndedSilences(deps.state.kv, deps.silencesEnv, now));
        deps.log.debug({ removed }, 'state housekeeping: expired rows deleted');
      } catch (error) {
        deps.log.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'state housekeeping failed; will try again',
        );
      }
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
}
