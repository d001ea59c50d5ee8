import { type DocumentReference, FieldValue, type Firestore } from '@google-cloud/firestore';
import type { CallGuard, CallRunner } from './firestore-calls.js';
import {
  COLLECTIONS,
  counterRef,
  type DeliveryDoc,
  deliveryRef,
  expireAt,
  hashId,
  MAX_WRITES_PER_COMMIT,
  type WindowDoc,
  windowRef,
} from './firestore-documents.js';
import type { WindowCache } from './firestore-window-cache.js';
import type { DeliveryState, EnqueueRequest, EnqueueResult, StateChannel } from './relay-state.js';

export interface EnqueueDeps {
  readonly db: Firestore;
  readonly runner: CallRunner;
  readonly cache: WindowCache;
  /** Counter shard for this commit. */
  readonly shard: () => number;
  /** The enqueue order within this process (takeDue's last tie-breaker). */
  readonly nextSeq: () => number;
  /** How long a final delivery is kept (its expireAt). */
  readonly doneRetentionMs: number;
}

const DUPLICATE = JSON.stringify({ kind: 'dropped', reason: 'duplicate' });
/** Two counter increments (one per channel) per commit. */
const COUNTER_WRITES = 2;
/** Windows with unflushed sightings folded into one enqueue, at most. */
const MAX_FLUSHES = 8;

interface Chunk {
  readonly items: { readonly index: number; readonly request: EnqueueRequest }[];
  /** Delivery key -> ref (each read once). */
  readonly deliveries: Map<string, DocumentReference>;
  /** Window key -> ref: windows read (and written if changed) in the transaction. */
  readonly readWindows: Map<string, DocumentReference>;
}

/**
 * Enqueues in as few transactions as Firestore allows: one per ≤ 500 writes (a delivery per
 * request, a window per fingerprint not known live in memory, two counter increments). Each
 * transaction is atomic, and every (event, channel) is read and created inside one, so
 * insert-if-absent is exact across processes; an enqueue split over several transactions is atomic
 * per chunk only: if a later chunk fails, the earlier ones stay committed and the call rejects, and
 * the retried micro-batch finds their requests `already` queued (or duplicate), as a redelivery would.
 */
export async function enqueueAll(
  deps: EnqueueDeps,
  guard: CallGuard,
  requests: readonly EnqueueRequest[],
  now: number,
): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = new Array(requests.length);
  const flush = deps.cache.dueForFlush(now, MAX_FLUSHES).map((w) => w.key);
  for (const chunk of planChunks(deps, requests, now, flush)) {
    for (const [index, result] of await enqueueChunk(deps, guard, chunk, now)) results[index] = result;
  }
  return results;
}

const deliveryKey = (r: EnqueueRequest) => hashId(r.eventId, r.channel);
const windowKey = (r: EnqueueRequest) => hashId(r.window!.scope, r.fingerprint);

function planChunks(deps: EnqueueDeps, requests: readonly EnqueueRequest[], now: number, flush: string[]) {
  const budget = MAX_WRITES_PER_COMMIT - COUNTER_WRITES;
  const fresh = (): Chunk => ({ items: [], deliveries: new Map(), readWindows: new Map() });
  const chunks: Chunk[] = [fresh()];
  let cost = 0;
  // Windows with unflushed sightings go into the first transaction (read, and written if still theirs).
  for (const key of flush) {
    chunks[0]!.readWindows.set(key, deps.db.collection(COLLECTIONS.windows).doc(key));
    cost++;
  }
  requests.forEach((request, index) => {
    let chunk = chunks.at(-1)!;
    const dk = deliveryKey(request);
    const wk = request.window && windowKey(request);
    // A window not known live here is read (and perhaps written) in the transaction.
    const needsWindow = (c: Chunk) =>
      wk !== undefined && !c.readWindows.has(wk) && !deps.cache.live(wk, now, request.window!.windowMs);
    const added = (c: Chunk) => (c.deliveries.has(dk) ? 0 : 1) + (needsWindow(c) ? 1 : 0);
    if (cost + added(chunk) > budget && chunk.items.length > 0) {
      chunk = fresh();
      chunks.push(chunk);
      cost = 0;
    }
    cost += added(chunk);
    if (needsWindow(chunk))
      chunk.readWindows.set(wk!, windowRef(deps.db, request.window!.scope, request.fingerprint));
    chunk.deliveries.set(dk, deliveryRef(deps.db, request.eventId, request.channel));
    chunk.items.push({ index, request });
  });
  return chunks.filter((c) => c.items.length > 0 || c.readWindows.size > 0);
}

interface WindowState {
  since: number;
  eventId: string;
  windowMs: number;
  count: number;
  scope: string;
  fingerprint: string;
  /** Read in the transaction (and written if dirty), or answered from the cache. */
  readonly mode: 'read' | 'cache';
  dirty: boolean;
  /** Cache mode: sightings to add to the cache after the commit. Read mode: pending sightings folded in. */
  bumps: number;
}

interface ChunkOutcome {
  readonly results: [number, EnqueueResult][];
  readonly windows: Map<string, WindowState>;
}

async function enqueueChunk(
  deps: EnqueueDeps,
  guard: CallGuard,
  chunk: Chunk,
  now: number,
): Promise<[number, EnqueueResult][]> {
  const dKeys = [...chunk.deliveries.keys()];
  const wKeys = [...chunk.readWindows.keys()];
  const outcome = await deps.runner.commit<ChunkOutcome>(deps.db, guard, async (batch) => {
    const refs = [...chunk.deliveries.values(), ...chunk.readWindows.values()];
    const snaps = refs.length === 0 ? [] : await deps.db.getAll(...refs);
    deps.runner.read(guard, refs.length);
    const readAt = new Map(snaps.map((snap) => [snap.ref.path, snap.updateTime]));
    const deliveries = new Map<string, { state: DeliveryState; outcome: string | null } | undefined>();
    dKeys.forEach((k, i) => {
      const d = snaps[i]!.data() as DeliveryDoc | undefined;
      deliveries.set(k, d && { state: d.state, outcome: d.outcome });
    });
    const windows = new Map<string, WindowState>();
    wKeys.forEach((k, i) => {
      const d = snaps[dKeys.length + i]!.data() as WindowDoc | undefined;
      if (!d) return;
      const w: WindowState = { ...pick(d), mode: 'read', dirty: false, bumps: 0 };
      // Sightings this process answered from memory go into the document now.
      const cached = deps.cache.live(k, now, d.windowMs);
      if (cached && cached.eventId === d.eventId && cached.since === d.since && cached.pending > 0) {
        w.count += cached.pending;
        w.bumps = cached.pending;
        w.dirty = true;
      }
      windows.set(k, w);
    });

    const writes = new Map<string, { ref: DocumentReference; doc: DeliveryDoc; replace: boolean }>();
    // An event's channels carry the same `shared` value: serialised once per event.
    const sharedByEvent = new Map<string, string>();
    const sharedJson = (eventId: string, value: unknown) => {
      const known = sharedByEvent.get(eventId);
      if (known !== undefined) return known;
      const json = JSON.stringify(value);
      sharedByEvent.set(eventId, json);
      return json;
    };
    const queuedPerChannel = new Map<StateChannel, number>();
    const results: [number, EnqueueResult][] = [];
    for (const { index, request: r } of chunk.items) {
      const dk = deliveryKey(r);
      const existing = deliveries.get(dk);
      // A dead-lettered entry is queued afresh: that is `dlq replay` bringing the event back.
      if (existing && existing.state !== 'dead-lettered') {
        const recorded = existing.outcome === null ? undefined : JSON.parse(existing.outcome);
        results.push([
          index,
          recorded
            ? { status: 'already', state: existing.state, outcome: recorded }
            : { status: 'already', state: existing.state },
        ]);
        continue;
      }
      const replace = existing !== undefined || writes.get(dk)?.replace === true;
      const base = {
        eventId: r.eventId,
        channel: r.channel,
        target: r.target,
        fingerprint: r.fingerprint,
        priority: r.priority,
        enqueuedAt: now,
        seq: deps.nextSeq(),
        dueAt: now,
        attempts: 0,
        cause: null,
      };
      const ref = chunk.deliveries.get(dk)!;
      if (r.window) {
        const wk = windowKey(r);
        let w = windows.get(wk);
        if (!w && !chunk.readWindows.has(wk)) {
          const cached = deps.cache.live(wk, now, r.window.windowMs)!;
          w = {
            ...pick(cached),
            scope: r.window.scope,
            fingerprint: r.fingerprint,
            mode: 'cache',
            dirty: false,
            bumps: 0,
          };
          windows.set(wk, w);
        }
        if (w && w.eventId !== r.eventId && now - w.since < r.window.windowMs) {
          w.count++;
          if (w.mode === 'cache') w.bumps++;
          else w.dirty = true;
          const doc: DeliveryDoc = {
            ...base,
            state: 'done',
            payload: null,
            shared: null,
            outcome: DUPLICATE,
            finishedAt: now,
            expireAt: expireAt(now + deps.doneRetentionMs),
          };
          writes.set(dk, { ref, doc, replace });
          deliveries.set(dk, { state: 'done', outcome: DUPLICATE });
          results.push([index, { status: 'duplicate', since: w.since, count: w.count }]);
          continue;
        }
        if (!w || w.eventId !== r.eventId) {
          // Only read windows reach here: a cached one is live, so it answers `duplicate` above.
          windows.set(wk, {
            since: now,
            eventId: r.eventId,
            windowMs: r.window.windowMs,
            count: 1,
            scope: r.window.scope,
            fingerprint: r.fingerprint,
            mode: 'read',
            dirty: true,
            bumps: 0,
          });
        }
      }
      const doc: DeliveryDoc = {
        ...base,
        state: 'queued',
        payload: JSON.stringify(r.payload) ?? null,
        shared: r.shared === undefined ? null : sharedJson(r.eventId, r.shared),
        outcome: null,
      };
      writes.set(dk, { ref, doc, replace });
      deliveries.set(dk, { state: 'queued', outcome: null });
      queuedPerChannel.set(r.channel, (queuedPerChannel.get(r.channel) ?? 0) + 1);
      results.push([index, { status: 'queued' }]);
    }

    for (const { ref, doc, replace } of writes.values()) {
      if (!replace) {
        batch.create(ref, doc);
        continue;
      }
      // A dead-lettered entry replaced, only if it is still as read; fields it had and the new one lacks go.
      const full = {
        ...doc,
        finishedAt: doc.finishedAt ?? FieldValue.delete(),
        expireAt: doc.expireAt ?? FieldValue.delete(),
      };
      batch.update(ref, full, { lastUpdateTime: readAt.get(ref.path)! });
    }
    let windowWrites = 0;
    for (const [key, w] of windows) {
      if (w.mode !== 'read' || !w.dirty) continue;
      const doc: WindowDoc = {
        scope: w.scope,
        fingerprint: w.fingerprint,
        since: w.since,
        count: w.count,
        eventId: w.eventId,
        windowMs: w.windowMs,
        endsAt: w.since + w.windowMs,
        expireAt: expireAt(w.since + w.windowMs),
      };
      const ref = chunk.readWindows.get(key)!;
      const at = readAt.get(ref.path);
      if (at) batch.update(ref, { ...doc }, { lastUpdateTime: at });
      else batch.create(ref, doc);
      windowWrites++;
    }
    const shard = deps.shard();
    for (const [channel, n] of queuedPerChannel) {
      batch.set(
        counterRef(deps.db, channel, shard),
        { channel, items: FieldValue.increment(n) },
        { merge: true },
      );
    }
    return { result: { results, windows }, writes: writes.size + windowWrites + queuedPerChannel.size };
  });

  for (const [key, w] of outcome.windows) {
    if (w.mode === 'cache') deps.cache.bump(key, w.bumps);
    else deps.cache.synced(key, w, now, w.bumps);
  }
  return outcome.results;
}

function pick(w: {
  since: number;
  eventId: string;
  windowMs: number;
  count: number;
  scope?: string;
  fingerprint?: string;
}) {
  return {
    since: w.since,
    eventId: w.eventId,
    windowMs: w.windowMs,
    count: w.count,
    scope: w.scope ?? '',
    fingerprint: w.fingerprint ?? '',
  };
}
