import pRetry, { AbortError } from 'p-retry';
import type { Clock } from './clock.js';

/** The result of one attempt of a network operation, classified by the channel that made it. */
export type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; transient: true; cause: string; retryAfterMs?: number }
  | { ok: false; transient: false; cause: string };

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Longest retry-after this helper will sleep in place; longer ones are handed back as transient. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 3,
  minTimeoutMs: 200,
  maxTimeoutMs: 5_000,
  maxRetryAfterMs: 30_000,
};

class TransientAttempt extends Error {
  constructor(readonly attempt: Extract<Attempt<never>, { transient: true }>) {
    super(attempt.cause);
  }
}

/**
 * The one place transient failures are retried: exponential backoff with jitter (p-retry), and a
 * server's retry-after honoured before the next attempt. Gives back the last attempt's result, so
 * the caller turns a still-transient failure into a nack.
 */
export async function retryTransient<T>(
  op: (attemptNumber: number) => Promise<Attempt<T>>,
  policy: RetryPolicy,
  clock: Clock,
  signal?: AbortSignal,
): Promise<Attempt<T>> {
  let last: Attempt<T> | undefined;
  try {
    return await pRetry(
      async (attemptNumber) => {
        const result = await op(attemptNumber);
        last = result;
        if (result.ok) return result;
        if (result.transient) throw new TransientAttempt(result);
        throw new AbortError(result.cause);
      },
      {
        retries: policy.retries,
        minTimeout: policy.minTimeoutMs,
        maxTimeout: policy.maxTimeoutMs,
        randomize: true,
        signal,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (!(error instanceof TransientAttempt) || retriesLeft <= 0) return;
          const wait = error.attempt.retryAfterMs;
          if (wait === undefined) return;
          if (wait > policy.maxRetryAfterMs) throw new AbortError(error.attempt.cause);
          await clock.sleep(wait, signal);
        },
      },
    );
  } catch (error) {
    if (last) return last;
    return { ok: false, transient: true, cause: error instanceof Error ? error.message : String(error) };
  }
}
