import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { unlessPreconditionFailed } from './claims.js';
import { encodeKeyPart } from './keys.js';
import { type StateStore, StoreUnavailableError } from './store.js';

export interface FingerprintWindowOptions {
  /** DEDUPE_WINDOW_S: a fingerprint seen within this many seconds is not first again. */
  windowS: number;
  clock: Clock;
  /**
   * Count later sightings into the window record (one extra conditional write each, best effort:
   * a lost race or an outage leaves the count short, never fails the call). Default true.
   */
  countSightings?: boolean;
  /** Unique ids (default: random UUIDs). */
  newId?: () => string;
}

/** Proof of being first: pass it to release() when the announcement did not happen after all. */
export interface WindowToken {
  readonly key: string;
  readonly generation: string;
  readonly id: string;
}

export type WindowResult =
  | { first: true; token: WindowToken }
  | { first: false; since: number; count: number };

export interface FingerprintWindow {
  /**
   * Atomically records the first sighting of `fingerprint` in `scope` (e.g. 'slack') per window,
   * across workers. With `eventId`, a redelivery of the event that was first is first again, so
   * a worker dying between this call and its announcement does not turn the event into a duplicate.
   */
  firstInWindow(scope: string, fingerprint: string, eventId?: string): Promise<WindowResult>;
  /** Gives the window back (the announcement failed), so the next sighting is first again. */
  release(token: WindowToken): Promise<void>;
}

interface WindowState {
  v: 1;
  /** Epoch ms when the window opened. */
  since: number;
  count: number;
  /** The id of the call that opened the window. */
  first: string;
  eventId?: string;
}

const MAX_ATTEMPTS = 8;

export function fingerprintKey(scope: string, fingerprint: string): string {
  return `fingerprints/${encodeKeyPart(scope)}/${encodeKeyPart(fingerprint)}`;
}

export function createFingerprintWindow(
  store: StateStore,
  options: FingerprintWindowOptions,
): FingerprintWindow {
  const { clock } = options;
  const windowMs = options.windowS * 1000;
  const newId = options.newId ?? randomUUID;
  const countSightings = options.countSightings ?? true;

  return {
    async firstInWindow(scope, fingerprint, eventId) {
      const key = fingerprintKey(scope, fingerprint);
      const id = newId();
      const opened = () =>
        JSON.stringify({ v: 1, since: clock.now(), count: 1, first: id, ...(eventId ? { eventId } : {}) });
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const created = await unlessPreconditionFailed(() => store.createIfAbsent(key, opened()));
        if (created) return { first: true, token: { key, generation: created.generation, id } };
        const current = await store.read(key);
        if (!current) continue; // released meanwhile
        const state = decodeWindow(current.data);
        if (state && (state.first === id || (eventId !== undefined && state.eventId === eventId))) {
          return { first: true, token: { key, generation: current.generation, id: state.first } };
        }
        if (state && clock.now() - state.since < windowMs) {
          const counted = { ...state, count: state.count + 1 };
          if (countSightings) {
            await store
              .compareAndSwap(key, current.generation, JSON.stringify(counted))
              .catch(() => undefined);
          }
          return { first: false, since: state.since, count: counted.count };
        }
        // Expired, or unreadable (overwriting that costs at most one repeated announcement).
        const reopened = await unlessPreconditionFailed(() =>
          store.compareAndSwap(key, current.generation, opened()),
        );
        if (reopened) return { first: true, token: { key, generation: reopened.generation, id } };
      }
      throw new StoreUnavailableError(
        `fingerprint window "${key}": still contended after ${MAX_ATTEMPTS} attempts`,
      );
    },

    async release(token) {
      // Sightings counted since may have moved the generation on: delete while the window is still ours.
      let generation = token.generation;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const at = generation;
        if ((await unlessPreconditionFailed(() => store.delete(token.key, at).then(() => true))) === true)
          return;
        const current = await store.read(token.key);
        if (!current || decodeWindow(current.data)?.first !== token.id) return;
        generation = current.generation;
      }
    },
  };
}

function decodeWindow(data: Buffer): WindowState | undefined {
  try {
    const state = JSON.parse(data.toString('utf8')) as Partial<WindowState> | null;
    const ok =
      state?.v === 1 &&
      typeof state.since === 'number' &&
      typeof state.count === 'number' &&
      typeof state.first === 'string';
    return ok ? (state as WindowState) : undefined;
  } catch {
    return undefined;
  }
}
