import type { RelayState } from '../state/relay-state.js';
import { StoreUnavailableError } from '../state/store.js';

/** Consecutive unavailable claims after which the worker says it is not ready. */
export const STORE_UNAVAILABLE_AFTER = 3;

/**
 * Whether the state store is known to be unavailable: the last `threshold` state transactions all
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
    return `state store unavailable: the last ${this.#streak} state transactions failed (latest: ${this.#lastError})`;
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

/** The same state, reporting each intake and dispatcher transaction to `health`. */
export function observeState(state: RelayState, health: StoreHealth): RelayState {
  return {
    location: state.location,
    backend: state.backend,
    kv: state.kv,
    enqueue: (requests, now) => observed(health, () => state.enqueue(requests, now)),
    takeDue: (lease, target, limit, now) => observed(health, () => state.takeDue(lease, target, limit, now)),
    complete: (completions, now) => observed(health, () => state.complete(completions, now)),
    releaseLease: (name, holder) => state.releaseLease(name, holder),
    deliveries: (eventId) => state.deliveries(eventId),
    outboxStats: () => state.outboxStats(),
    expire: (now, retention) => state.expire(now, retention),
    close: () => state.close(),
  };
}
