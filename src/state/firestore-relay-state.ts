import { FieldValue, Firestore, type Query } from '@google-cloud/firestore';
import { type CallGuard, createCallRunner, type FirestoreIo } from './firestore-calls.js';
import {
  COLLECTIONS,
  counterRef,
  type DeliveryDoc,
  deliveryRef,
  expireAt,
  hashId,
  type LeaseDoc,
  leaseRef,
  MAX_WRITES_PER_COMMIT,
  parseJson,
  recordedOutcome,
} from './firestore-documents.js';
import { enqueueAll } from './firestore-enqueue.js';
import { createFirestoreKvStore } from './firestore-kv-store.js';
import { createWindowCache } from './firestore-window-cache.js';
import {
  type Completion,
  type DeliveryRecord,
  type OutboxEntry,
  type OutboxStats,
  type RelayState,
  STATE_CHANNELS,
  type StateChannel,
} from './relay-state.js';

export interface FirestoreOptions {
  /** `-` (or undefined): the client's own project (GOOGLE_CLOUD_PROJECT, credentials, metadata). */
  readonly project?: string;
  /** Default `(default)`. */
  readonly database?: string;
  /**
   * Set when FIRESTORE_EMULATOR_HOST is (the client connects there by itself): the client is told
   * the universe it talks to, so it does not ask the GCE metadata server for credentials it never
   * uses (a `MetadataLookupWarning` off Google Cloud), and a `-` project becomes `projectId`
   * (GOOGLE_CLOUD_PROJECT, or EMULATOR_PROJECT: the emulator takes any project).
   */
  readonly emulator?: { readonly projectId?: string };
  /** A client made elsewhere (tests); project and database are then its own. */
  readonly firestore?: Firestore;
  /** A call that has no answer by then fails with StoreUnavailableError (and commits nothing later). Default 10 s. */
  readonly callTimeoutMs?: number;
  /** How long final deliveries are kept: their expireAt (the TTL policy deletes them after). Default 8 days. */
  readonly doneRetentionMs?: number;
  /** Shards of each channel's queued counter. Default 8. */
  readonly counterShards?: number;
  /** How often a hot window's sightings answered from memory are written to it. Default 10 s. */
  readonly windowFlushMs?: number;
  /** Windows kept in memory. Default 10,000. */
  readonly windowCacheEntries?: number;
}

export interface FirestoreRelayState extends RelayState {
  /** What this instance sent so far (commits, document writes, transaction retries). */
  readonly io: Readonly<FirestoreIo>;
}

const DEFAULT_RETENTION_MS = 8 * 24 * 3600 * 1000;
/** The project of `firestore://-/…` on the emulator when GOOGLE_CLOUD_PROJECT is unset (`demo-`: an emulator-only project). */
export const EMULATOR_PROJECT = 'demo-finding-relay';
/** Attempts of one optimistic commit while other writers get in between. */
const COMMIT_ATTEMPTS = 20;

/**
 * The relay state in Firestore, for a fleet (layout in firestore-documents): every call is one
 * transaction (or one batch) per ≤ 500 writes, reads are batched (getAll), queued entries are
 * counted by sharded counter documents updated in the same transactions, and hot dedupe windows
 * are answered from memory (firestore-window-cache). FIRESTORE_EMULATOR_HOST is honoured by the
 * client itself.
 */
export function openFirestoreRelayState(opts: FirestoreOptions = {}): FirestoreRelayState {
  const database = opts.database ?? '(default)';
  const project = opts.project && opts.project !== '-' ? opts.project : undefined;
  const projectId = project ?? (opts.emulator && (opts.emulator.projectId || EMULATOR_PROJECT));
  const db =
    opts.firestore ??
    new Firestore({
      ...(projectId && { projectId }),
      // Without it, the first call asks the credentials for their universe, and looking for
      // credentials off Google Cloud means asking the metadata server (and a warning).
      ...(opts.emulator && { universeDomain: 'googleapis.com' }),
      databaseId: database,
      ignoreUndefinedProperties: true,
    });
  const location = `firestore://${project ?? '-'}/${database}`;
  const io: FirestoreIo = { commits: 0, writes: 0, retries: 0, reads: 0 };
  const runner = createCallRunner({
    location,
    callTimeoutMs: opts.callTimeoutMs ?? 10_000,
    maxAttempts: COMMIT_ATTEMPTS,
    io,
  });
  const shards = opts.counterShards ?? 8;
  const doneRetentionMs = opts.doneRetentionMs ?? DEFAULT_RETENTION_MS;
  const cache = createWindowCache({
    maxEntries: opts.windowCacheEntries ?? 10_000,
    flushMs: opts.windowFlushMs ?? 10_000,
  });
  let seq = 0;
  /** Leases this instance held at its last takeDue: their entries are read alongside the renewal. */
  const holding = new Set<string>();
  const deliveries = db.collection(COLLECTIONS.deliveries);

  /** A query's documents, its reads counted (a query that finds nothing is billed one read). */
  const queried = async (guard: CallGuard, query: Query) => {
    const snap = await query.get();
    runner.read(guard, Math.max(1, snap.size));
    return snap;
  };

  /** Deletes what the query finds, ≤ 500 per batch (no preconditions), until it finds nothing. */
  const deleteAll = async (guard: CallGuard, query: Query): Promise<number> => {
    let removed = 0;
    for (;;) {
      const snap = await queried(guard, query.select().limit(MAX_WRITES_PER_COMMIT));
      if (snap.empty) return removed;
      await runner.commit(db, guard, async (batch) => {
        for (const d of snap.docs) batch.delete(d.ref);
        return { result: undefined, writes: snap.size };
      });
      removed += snap.size;
    }
  };

  const dueQuery = (target: string, now: number, limit: number) =>
    deliveries
      .where('target', '==', target)
      .where('state', '==', 'queued')
      .where('dueAt', '<=', now)
      .orderBy('priority', 'desc')
      .orderBy('enqueuedAt')
      .orderBy('seq')
      .limit(limit);

  const state: FirestoreRelayState = {
    location,
    backend: 'firestore',
    io,
    kv: createFirestoreKvStore(db, runner, location),

    enqueue: (requests, now) =>
      runner.run('enqueue', (guard) =>
        enqueueAll(
          {
            db,
            runner,
            cache,
            shard: () => Math.floor(Math.random() * shards),
            nextSeq: () => seq++,
            doneRetentionMs,
          },
          guard,
          requests,
          now,
        ),
      ),

    takeDue: (lease, target, limit, now) =>
      runner.run('takeDue', async (guard) => {
        const ref = leaseRef(db, lease.name);
        const read = async () =>
          limit <= 0
            ? []
            : (await queried(guard, dueQuery(target, now, limit))).docs.map((d) =>
                toEntry(d.data() as DeliveryDoc),
              );
        // The usual holder renews and reads at once (the entries are only returned if the lease is
        // still ours); anyone else reads only once it holds the lease.
        const early = holding.has(lease.name) ? read() : undefined;
        early?.catch(() => undefined);
        const take = runner.commit(db, guard, async (batch) => {
          const snap = await ref.get();
          runner.read(guard, 1);
          const held = snap.data() as LeaseDoc | undefined;
          if (held && held.holder !== lease.holder && held.expiresAt > now)
            return { result: false, writes: 0 };
          // An idle poll of a fresh lease writes nothing: a dispatcher polls several times a second
          // and a renewal per poll would be most of an idle worker's Firestore bill. A poll that
          // takes entries (or a renewal, limit 0) always renews, so a cycle starts on a full lease.
          if (
            held?.holder === lease.holder &&
            held.expiresAt - now > (lease.ttlMs * 2) / 3 &&
            early !== undefined &&
            limit > 0 &&
            (await early.catch(() => [undefined])).length === 0
          )
            return { result: true, writes: 0 };
          const expiresAt = now + lease.ttlMs;
          const doc: LeaseDoc = {
            name: lease.name,
            holder: lease.holder,
            expiresAt,
            expireAt: expireAt(expiresAt),
          };
          if (snap.exists) batch.update(ref, { ...doc }, { lastUpdateTime: snap.updateTime! });
          else batch.create(ref, doc);
          return { result: true, writes: 1 };
        });
        const leased = await take;
        if (leased) holding.add(lease.name);
        else holding.delete(lease.name);
        if (!leased) return { leased: false, entries: [] };
        return { leased: true, entries: await (early ?? read()) };
      }),

    complete: (completions, now) =>
      runner.run('complete', async (guard) => {
        // One transaction per ≤ 498 completions (and two counter increments).
        for (let from = 0; from < completions.length; from += MAX_WRITES_PER_COMMIT - 2) {
          const chunk = completions.slice(from, from + MAX_WRITES_PER_COMMIT - 2);
          await completeChunk(chunk, now, guard);
        }
      }),

    releaseLease: (name, holder) =>
      runner.run('releaseLease', async (guard) => {
        holding.delete(name);
        const ref = leaseRef(db, name);
        await runner.commit(db, guard, async (batch) => {
          const snap = await ref.get();
          runner.read(guard, 1);
          if ((snap.data() as LeaseDoc | undefined)?.holder !== holder)
            return { result: undefined, writes: 0 };
          batch.delete(ref, { lastUpdateTime: snap.updateTime! });
          return { result: undefined, writes: 1 };
        });
      }),

    deliveries: (eventId) =>
      runner.run('deliveries', async (guard) => {
        const snaps = await db.getAll(...STATE_CHANNELS.map((c) => deliveryRef(db, eventId, c)));
        runner.read(guard, snaps.length);
        return snaps.flatMap((snap, i): DeliveryRecord[] => {
          const d = snap.data() as DeliveryDoc | undefined;
          if (!d) return [];
          const outcome = recordedOutcome(d.outcome);
          return [
            {
              channel: STATE_CHANNELS[i]!,
              state: d.state,
              attempts: d.attempts,
              ...(outcome && { outcome }),
              ...(d.cause !== null && d.cause !== undefined && { cause: d.cause }),
              ...(d.finishedAt !== undefined && { finishedAt: d.finishedAt }),
            },
          ];
        });
      }),

    outboxStats: () =>
      runner.run('outboxStats', async (guard) => {
        const refs = STATE_CHANNELS.flatMap((c) =>
          Array.from({ length: shards }, (_, s) => counterRef(db, c, s)),
        );
        const [counters, ...oldest] = await Promise.all([
          db.getAll(...refs),
          ...STATE_CHANNELS.map((channel) =>
            queried(
              guard,
              deliveries
                .where('channel', '==', channel)
                .where('state', '==', 'queued')
                .orderBy('enqueuedAt')
                .limit(1)
                .select('enqueuedAt'),
            ),
          ),
        ]);
        runner.read(guard, refs.length);
        return STATE_CHANNELS.map((channel, i): OutboxStats => {
          const items = counters
            .slice(i * shards, (i + 1) * shards)
            .reduce((sum, snap) => sum + ((snap.get('items') as number | undefined) ?? 0), 0);
          const first = oldest[i]!.docs[0];
          return {
            channel,
            items,
            oldestEnqueuedAt: first ? (first.get('enqueuedAt') as number) : undefined,
          };
        });
      }),

    expire: (now, retentionMs) =>
      runner.run('expire', async (guard) => {
        const before = now - retentionMs;
        // Queued entries have no finishedAt, so the first query never finds one.
        const counts = await Promise.all([
          deleteAll(guard, deliveries.where('finishedAt', '<=', before)),
          deleteAll(guard, db.collection(COLLECTIONS.windows).where('endsAt', '<=', now)),
          deleteAll(guard, db.collection(COLLECTIONS.leases).where('expiresAt', '<=', before)),
        ]);
        return counts.reduce((a, b) => a + b, 0);
      }),

    close: async () => {
      await runner.close();
      if (!opts.firestore) await db.terminate();
    },
  };

  const completeChunk = (chunk: readonly Completion[], now: number, guard: CallGuard) =>
    runner.commit(db, guard, async (batch) => {
      const keys = [...new Set(chunk.map((c) => hashId(c.eventId, c.channel)))];
      if (keys.length === 0) return { result: undefined, writes: 0 };
      const refs = keys.map((k) => deliveries.doc(k));
      const snaps = await db.getAll(...refs);
      runner.read(guard, refs.length);
      const docs = new Map(keys.map((k, i) => [k, snaps[i]!.data() as DeliveryDoc | undefined]));
      const finished = new Map<StateChannel, number>();
      const changed = new Set<string>();
      for (const c of chunk) {
        const key = hashId(c.eventId, c.channel);
        const d = docs.get(key);
        if (d?.state !== 'queued') continue;
        const next: DeliveryDoc = { ...d, attempts: d.attempts + 1 };
        if (c.kind === 'retry') {
          next.dueAt = c.dueAt;
          next.cause = c.cause;
        } else {
          next.state = c.kind;
          next.finishedAt = now;
          next.expireAt = expireAt(now + doneRetentionMs);
          next.payload = null; // only a queued entry needs them
          next.shared = null;
          if (c.kind === 'done') next.outcome = JSON.stringify(c.outcome);
          else {
            next.outcome = JSON.stringify({ kind: 'dead-lettered', reason: c.reason, detail: c.detail });
            next.cause = c.detail;
          }
          finished.set(c.channel, (finished.get(c.channel) ?? 0) - 1);
        }
        docs.set(key, next);
        changed.add(key);
      }
      let writes = 0;
      keys.forEach((k, i) => {
        if (!changed.has(k)) return;
        batch.update(refs[i]!, { ...docs.get(k)! }, { lastUpdateTime: snaps[i]!.updateTime! });
        writes++;
      });
      const shard = Math.floor(Math.random() * shards);
      for (const [channel, n] of finished) {
        batch.set(
          counterRef(db, channel, shard),
          { channel, items: FieldValue.increment(n) },
          { merge: true },
        );
        writes++;
      }
      return { result: undefined, writes };
    });

  return state;
}

function toEntry(d: DeliveryDoc): OutboxEntry {
  return {
    eventId: d.eventId,
    channel: d.channel,
    target: d.target,
    fingerprint: d.fingerprint,
    priority: d.priority,
    payload: parseJson(d.payload),
    ...(typeof d.shared === 'string' && { shared: parseJson(d.shared) }),
    attempts: d.attempts,
    enqueuedAt: d.enqueuedAt,
  };
}
