/**
 * Dedupe windows this process knows to be live, so a flood of one fingerprint is answered from
 * memory instead of writing the window document once per finding (Firestore sustains about one
 * write per second per document).
 *
 * Why the decision stays exact: a window opened at `since` by event E can only change when a
 * request finds it passed (now - since >= windowMs), or by expire() once `since + windowMs` has
 * passed. So while now - since < windowMs, every other event is a duplicate, whichever process
 * asks, and E's own enqueue leaves it as it is: this process can say so without reading it.
 * (Limit: instances configured with different DEDUPE_WINDOW_S could disagree about the end of a
 * window; one fleet runs one configuration.)
 *
 * What becomes approximate is the sighting count: duplicates answered here are added to the
 * document at most once per `flushMs` of each window (read and written again in the next enqueue
 * transaction that is due), so another process sees a count that lags by that much, and the
 * sightings of a process that stops between two flushes are not counted. The count this process
 * answers with includes its own unflushed sightings, never other processes' since the last read.
 */
export interface CachedWindow {
  readonly key: string;
  since: number;
  eventId: string;
  windowMs: number;
  /** Sightings known: the count last read or written, plus the unflushed ones below. */
  count: number;
  /** Sightings answered from memory since the document was last written. */
  pending: number;
  /** `now` of the last read/write of the document. */
  syncedAt: number;
}

export interface WindowCache {
  /** The entry when it is live at `now` for a request with this windowMs; undefined otherwise. */
  live(key: string, now: number, windowMs: number): CachedWindow | undefined;
  /** Records the document's state after a commit (pending sightings are then in it). */
  /**
   * Records the document's state after a commit that wrote (or read) it, `flushed` of this
   * entry's pending sightings included in it; sightings answered meanwhile stay pending.
   */
  synced(
    key: string,
    w: { since: number; eventId: string; windowMs: number; count: number },
    now: number,
    flushed: number,
  ): void;
  /** Sightings answered from memory for a live entry. */
  bump(key: string, by: number): void;
  /** Live entries with unflushed sightings last synced at least flushMs ago, at most `max`. */
  dueForFlush(now: number, max: number): CachedWindow[];
  readonly size: number;
}

export function createWindowCache(options: { maxEntries: number; flushMs: number }): WindowCache {
  const entries = new Map<string, CachedWindow>(); // insertion order = least recently synced first
  const isLive = (w: CachedWindow, now: number, windowMs: number) =>
    now >= w.since && now - w.since < Math.min(windowMs, w.windowMs);
  return {
    live: (key, now, windowMs) => {
      const w = entries.get(key);
      return w && isLive(w, now, windowMs) ? w : undefined;
    },
    synced: (key, w, now, flushed) => {
      const before = entries.get(key);
      const same = before && before.eventId === w.eventId && before.since === w.since;
      const pending = same ? Math.max(0, before.pending - flushed) : 0;
      entries.delete(key);
      entries.set(key, {
        key,
        since: w.since,
        eventId: w.eventId,
        windowMs: w.windowMs,
        count: w.count + pending,
        pending,
        syncedAt: now,
      });
      // Bounded: the least recently synced go first (their unflushed sightings with them).
      while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
    },
    bump: (key, by) => {
      const w = entries.get(key);
      if (!w) return;
      w.count += by;
      w.pending += by;
    },
    dueForFlush: (now, max) => {
      const due: CachedWindow[] = [];
      for (const w of entries.values()) {
        if (due.length >= max) break;
        if (w.pending > 0 && now - w.syncedAt >= options.flushMs && isLive(w, now, w.windowMs)) due.push(w);
      }
      return due;
    },
    get size() {
      return entries.size;
    },
  };
}
