import type { Clock } from '../lib/clock.js';
import type { ClaimResult, ClaimToken, SideEffectClaims } from './claims.js';
import { PreconditionFailedError } from './store.js';

/** A claim while it is kept: the token changes generation at every renewal. */
interface KeptClaim {
  token: ClaimToken;
  renewedAt: number;
  renewing: Promise<void> | undefined;
}

export interface LeaseKeeperOptions {
  leaseMs: number;
  clock: Clock;
  /** Told when a renewal found the claim taken over, or could not reach the store. */
  onRenewalProblem?: (problem: { key: string; lost: boolean; error: string }) => void;
  /** Renewals in flight at once (each is one conditional write). Default 32. */
  concurrency?: number;
}

export interface KeptClaims {
  claim(
    eventId: string,
    channel: string,
  ): Promise<Exclude<ClaimResult, { status: 'claimed' }> | { status: 'claimed'; token: unknown }>;
  markDone(token: unknown, record: unknown): Promise<void>;
  release(token: unknown): Promise<void>;
  /** Renews every kept claim not renewed for half a lease; returns how many were renewed. */
  renewDue(): Promise<number>;
  /** Claims currently kept (claimed, not yet done or released). */
  readonly kept: number;
  /** Starts renewing in the background until stop(). */
  start(): void;
  stop(): void;
}

/**
 * Keeps the lease of every claim this worker holds alive until its side effect is recorded or
 * released (renewed after half a lease): a Slack digest held for its window and retried through an outage, or a GitHub call
 * paced behind others, can outlast CLAIM_LEASE_MS, and a lapsed lease would let another worker
 * take the claim over and repeat the side effect. A crashed worker stops renewing, so its
 * claims are still taken over one lease after its last renewal.
 */
export function keepLeases(claims: SideEffectClaims, options: LeaseKeeperOptions): KeptClaims {
  const { leaseMs, clock } = options;
  // Renewed at half the lease, checked every sixth: never more than 2/3 of a lease unrenewed,
  // and a claim settled within half a lease (the usual case) costs no renewal write at all.
  const renewAfterMs = Math.floor(leaseMs / 2);
  const concurrency = options.concurrency ?? 32;
  const kept = new Set<KeptClaim>();
  let loop: AbortController | undefined;

  const asKept = (token: unknown): KeptClaim => token as KeptClaim;

  /** Out of the renewal set, and no renewal still changing the generation underneath. */
  const settle = async (token: unknown): Promise<ClaimToken> => {
    const handle = asKept(token);
    kept.delete(handle);
    await handle.renewing;
    return handle.token;
  };

  const renew = (handle: KeptClaim): Promise<void> =>
    claims.renew(handle.token).then(
      (renewed) => {
        handle.token = renewed;
        handle.renewedAt = clock.now();
      },
      (error: unknown) => {
        const lost = error instanceof PreconditionFailedError;
        // Taken over or finished elsewhere: nothing left to keep. Otherwise try again next round.
        if (lost) kept.delete(handle);
        options.onRenewalProblem?.({
          key: handle.token.key,
          lost,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );

  const renewDue = async (): Promise<number> => {
    const due = [...kept].filter((h) => !h.renewing && clock.now() - h.renewedAt >= renewAfterMs);
    for (let i = 0; i < due.length; i += concurrency) {
      await Promise.all(
        due.slice(i, i + concurrency).map((handle) => {
          if (!kept.has(handle)) return undefined; // settled meanwhile
          handle.renewing = renew(handle).finally(() => {
            handle.renewing = undefined;
          });
          return handle.renewing;
        }),
      );
    }
    return due.length;
  };

  return {
    async claim(eventId, channel) {
      const result = await claims.claim(eventId, channel);
      if (result.status !== 'claimed') return result;
      const handle: KeptClaim = { token: result.token, renewedAt: clock.now(), renewing: undefined };
      kept.add(handle);
      return { status: 'claimed', token: handle };
    },

    async markDone(token, record) {
      await claims.markDone(await settle(token), record);
    },

    async release(token) {
      await claims.release(await settle(token));
    },

    renewDue,

    get kept() {
      return kept.size;
    },

    start() {
      if (loop) return;
      const controller = new AbortController();
      loop = controller;
      const everyMs = Math.max(100, Math.floor(leaseMs / 6));
      void (async () => {
        while (!controller.signal.aborted) {
          try {
            await clock.sleep(everyMs, controller.signal);
          } catch {
            return;
          }
          await renewDue();
        }
      })();
    },

    stop() {
      loop?.abort();
      loop = undefined;
    },
  };
}
