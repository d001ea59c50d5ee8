import type { ClaimsPort } from '../pipeline/side-effect-claims.js';
import { StoreUnavailableError } from '../state/store.js';

/** Consecutive unavailable claims after which the worker says it is not ready. */
export const STORE_UNAVAILABLE_AFTER = 3;

/**
 * Whether the state store is known to be unavailable: the last `threshold` claim operations all
 * failed with StoreUnavailableError. Any success clears it. Other errors say nothing about the store.
 */
export class StoreHealth {
  #streak = 0;
  #lastError = '';

  constructor(private readonly threshold = STORE_UNAVAILABLE_AFTER) {}

  succeeded(): void {
    this.#streak = 0;
  }

  failed(error: unknown): void {
    if (!(error instanceof StoreUnavailableError)) return;
    this.#streak += 1;
    this.#lastError = error.message;
  }

  get available(): boolean {
    return this.#streak < this.threshold;
  }

  /** null while available; otherwise why not, for /readyz and the status page. */
  unavailableReason(): string | null {
    if (this.available) return null;
    return `state store unavailable: the last ${this.#streak} claims failed (latest: ${this.#lastError})`;
  }
}

async function observed<T>(health: StoreHealth, run: () => Promise<T>): Promise<T> {
  try {
    const value = await run();
    health.succeeded();
    return value;
  } catch (error) {
    health.failed(error);
    throw error;
  }
}

/** The same claims, reporting each store round trip (claim and markDone) to `health`. */
export function observeClaims(claims: ClaimsPort, health: StoreHealth): ClaimsPort {
  return {
    claim: (eventId, channel) => observed(health, () => claims.claim(eventId, channel)),
    markDone: (token, record) => observed(health, () => claims.markDone(token, record)),
    release: (token) => claims.release(token),
  };
}
