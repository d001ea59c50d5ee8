import { createHash } from 'node:crypto';
import { type DocumentReference, type Firestore, Timestamp } from '@google-cloud/firestore';
import type { DeliveryState, RecordedOutcome, StateChannel } from './relay-state.js';

/**
 * The Firestore layout of the relay state: one top-level collection per kind of row, every
 * document id the sha256 of its key (hex), so ids are spread evenly over the key space and no
 * sequential key (event ids, timestamps) makes a write hotspot. The key itself is kept in fields
 * for queries and for operators. Every document that may expire carries `expireAt` (a Timestamp),
 * the field the TTL policies of infra/terraform name; queued deliveries never carry it.
 */
export const COLLECTIONS = {
  deliveries: 'relay_deliveries',
  windows: 'relay_windows',
  leases: 'relay_leases',
  kv: 'relay_kv',
  counters: 'relay_counters',
} as const;

/** The collections whose documents carry `expireAt` (a TTL policy each, infra/terraform/firestore.tf). */
export const EXPIRING_COLLECTIONS = [
  COLLECTIONS.deliveries,
  COLLECTIONS.windows,
  COLLECTIONS.leases,
  COLLECTIONS.kv,
] as const;

/** Firestore's limit of writes in one commit (transaction or batch). */
export const MAX_WRITES_PER_COMMIT = 500;

/** sha256 hex of the key parts joined by NUL (no part contains NUL in practice; the hash is injective enough). */
export function hashId(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex');
}

export function deliveryRef(db: Firestore, eventId: string, channel: StateChannel): DocumentReference {
  return db.collection(COLLECTIONS.deliveries).doc(hashId(eventId, channel));
}

export function windowRef(db: Firestore, scope: string, fingerprint: string): DocumentReference {
  return db.collection(COLLECTIONS.windows).doc(hashId(scope, fingerprint));
}

export function leaseRef(db: Firestore, name: string): DocumentReference {
  return db.collection(COLLECTIONS.leases).doc(hashId(name));
}

export function kvRef(db: Firestore, key: string): DocumentReference {
  return db.collection(COLLECTIONS.kv).doc(hashId(key));
}

/** Queued-entry counters, sharded so that a fleet's commits do not all write one document. */
export function counterRef(db: Firestore, channel: StateChannel, shard: number): DocumentReference {
  return db.collection(COLLECTIONS.counters).doc(`${channel}-${shard}`);
}

export const expireAt = (epochMs: number): Timestamp => Timestamp.fromMillis(epochMs);

/** relay_deliveries: one per (event id, channel). Payload and outcome are JSON text (exact round trip). */
export interface DeliveryDoc {
  eventId: string;
  channel: StateChannel;
  target: string;
  fingerprint: string;
  priority: number;
  enqueuedAt: number;
  /** Tie-breaker after enqueuedAt: the enqueue order within one process. */
  seq: number;
  dueAt: number;
  state: DeliveryState;
  payload: string | null;
  /** The event's `shared` value (JSON), on each of its channels' documents; null once final or when none. */
  shared?: string | null;
  attempts: number;
  cause: string | null;
  outcome: string | null;
  /** Only once final (the expire query and the TTL field need it absent while queued). */
  finishedAt?: number;
  expireAt?: Timestamp;
}

/** relay_windows: one per (scope, fingerprint). */
export interface WindowDoc {
  scope: string;
  fingerprint: string;
  since: number;
  count: number;
  eventId: string;
  windowMs: number;
  /** since + windowMs, for expire(). */
  endsAt: number;
  expireAt: Timestamp;
}

/** relay_leases: one per lease name. */
export interface LeaseDoc {
  name: string;
  holder: string;
  expiresAt: number;
  expireAt: Timestamp;
}

/** relay_kv: one per key; a deleted key stays as a tombstone (deleted: true) for a while. */
export interface KvDoc {
  key: string;
  data: Buffer | Uint8Array;
  generation: number;
  deleted: boolean;
  expireAt?: Timestamp;
}

export const parseJson = (text: unknown): unknown =>
  typeof text === 'string' ? JSON.parse(text) : undefined;

export const recordedOutcome = (text: unknown): RecordedOutcome | undefined =>
  parseJson(text) as RecordedOutcome | undefined;
