import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { encodeKeyPart } from './keys.js';
import { PreconditionFailedError, type StateStore, StoreUnavailableError } from './store.js';

export interface SideEffectClaimsOptions {
  /** Who claims (a worker id); shown to other workers while the claim is held. */
  holder: string;
  /** How long a claim stays ours without a done mark before another worker may take it over. */
  leaseMs: number;
  clock: Clock;
  /** Done marks remembered in process (LRU), so a redelivered done event costs no round trip. */
  doneCacheSize?: number;
  /** Unique claim ids (default: random UUIDs). */
  newId?: () => string;
}

/** Proof of a claim: pass it back to markDone / release / renew. */
export interface ClaimToken {
  readonly key: string;
  readonly generation: string;
  readonly id: string;
}

export type ClaimResult =
  | { status: 'claimed'; token: ClaimToken }
  | { status: 'done'; record: unknown }
  | { status: 'held'; holder: string; expiresAt: number };

export interface SideEffectClaims {
  claim(eventId: string, channel: string): Promise<ClaimResult>;
  /** Records the final outcome. Final: a done mark is never overwritten, not even by another done. */
  markDone(token: ClaimToken, record: unknown): Promise<void>;
  /** Gives the claim up (a transient failure), so the next delivery can claim at once. */
  release(token: ClaimToken): Promise<void>;
  /** Extends the lease of a claim still ours; PreconditionFailedError when it no longer is. */
  renew(token: ClaimToken): Promise<ClaimToken>;
}

type ClaimState =
  | { v: 1; state: 'held'; holder: string; claim: string; expiresAt: number }
  | { v: 1; state: 'done'; holder: string; claim: string; doneAt: number; record?: unknown };

/** Round trips one call may spend chasing other workers' concurrent changes. */
const MAX_ATTEMPTS = 8;

export function claimKey(eventId: string, channel: string): string {
  return `claims/${encodeKeyPart(eventId)}/${encodeKeyPart(channel)}`;
}

/**
 * Side-effect claims per (event id, channel), kept in the shared store: a held claim (holder +
 * lease expiry) stops other workers from doing the same side effect; a done mark (with the
 * recorded outcome) stops any redelivery from repeating it. An expired claim is taken over by
 * compare-and-swap, so of two workers only one takes it. Every write carries a unique claim id,
 * so a write whose answer was lost is recognised as ours when read back.
 */
export function createSideEffectClaims(
  store: StateStore,
  options: SideEffectClaimsOptions,
): SideEffectClaims {
  const { holder, leaseMs, clock } = options;
  const newId = options.newId ?? randomUUID;
  const doneCache = new Map<string, unknown>();
  const cacheSize = options.doneCacheSize ?? 10_000;

  const remember = (key: string, record: unknown) => {
    doneCache.delete(key);
    doneCache.set(key, record);
    if (doneCache.size > cacheSize) doneCache.delete(doneCache.keys().next().value!);
  };
  const held = (id: string) =>
    JSON.stringify({
      v: 1,
      state: 'held',
      holder,
      claim: id,
      expiresAt: clock.now() + leaseMs,
    } satisfies ClaimState);
  const claimed = (key: string, generation: string, id: string): ClaimResult => ({
    status: 'claimed',
    token: { key, generation, id },
  });

  return {
    async claim(eventId, channel) {
      const key = claimKey(eventId, channel);
      if (doneCache.has(key)) {
        const record = doneCache.get(key);
        remember(key, record);
        return { status: 'done', record };
      }
      const id = newId();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const created = await unlessPreconditionFailed(() => store.createIfAbsent(key, held(id)));
        if (created) return claimed(key, created.generation, id);
        const current = await store.read(key);
        if (!current) continue; // released meanwhile: create again
        const state = decodeClaim(key, current.data);
        if (state.state === 'done') {
          remember(key, state.record);
          return { status: 'done', record: state.record };
        }
        if (state.claim === id) return claimed(key, current.generation, id);
        if (state.expiresAt > clock.now())
          return { status: 'held', holder: state.holder, expiresAt: state.expiresAt };
        const taken = await unlessPreconditionFailed(() =>
          store.compareAndSwap(key, current.generation, held(id)),
        );
        if (taken) return claimed(key, taken.generation, id);
      }
      throw new StoreUnavailableError(`claim "${key}": still contended after ${MAX_ATTEMPTS} attempts`);
    },

    async markDone(token, record) {
      const done = JSON.stringify({
        v: 1,
        state: 'done',
        holder,
        claim: token.id,
        doneAt: clock.now(),
        record,
      } satisfies ClaimState);
      let generation: string | undefined = token.generation;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const at = generation;
        const written = await unlessPreconditionFailed(() =>
          at === undefined
            ? store.createIfAbsent(token.key, done)
            : store.compareAndSwap(token.key, at, done),
        );
        if (written) return remember(token.key, JSON.parse(done).record);
        const current = await store.read(token.key);
        if (current) {
          const state = decodeClaim(token.key, current.data);
          if (state.state === 'done') return remember(token.key, state.record); // ours already, or final
        }
        // Our lease ran out and another worker took over, or the claim is gone: the side effect
        // is done all the same, so the done mark goes in.
        generation = current?.generation;
      }
      throw new StoreUnavailableError(
        `markDone "${token.key}": still contended after ${MAX_ATTEMPTS} attempts`,
      );
    },

    async release(token) {
      // Only while it is still our claim: a done mark or another worker's claim stays.
      await unlessPreconditionFailed(() => store.delete(token.key, token.generation));
    },

    async renew(token) {
      const renewed = await store.compareAndSwap(token.key, token.generation, held(token.id));
      return { key: token.key, generation: renewed.generation, id: token.id };
    },
  };
}

/** Runs a conditional write; a lost race (PreconditionFailedError) becomes undefined. */
export async function unlessPreconditionFailed<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

function decodeClaim(key: string, data: Buffer): ClaimState {
  let state: Partial<ClaimState> | undefined;
  try {
    state = JSON.parse(data.toString('utf8')) as Partial<ClaimState>;
  } catch {
    state = undefined;
  }
  const ok =
    state?.v === 1 &&
    typeof state.holder === 'string' &&
    typeof state.claim === 'string' &&
    ((state.state === 'held' && typeof state.expiresAt === 'number') ||
      (state.state === 'done' && typeof state.doneAt === 'number'));
  // Unreadable: never guess "not done" (that could repeat a side effect); retry later instead.
  if (!ok) throw new StoreUnavailableError(`claim "${key}" is unreadable`);
  return state as ClaimState;
}
