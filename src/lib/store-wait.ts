import type { Clock } from './clock.js';

/**
 * How long a message in hand waits for the state store to answer before it is handed back
 * (nacked). Waiting holds the message (the client extends its lease) and, through flow control,
 * stops new ones from arriving; nacking at once would burn a delivery attempt every backoff and
 * dead-letter most of the backlog during an outage of half a minute (measured: 1,654 of 2,000).
 */
export const STORE_OUTAGE_WAIT_MS = 60_000;

/**
 * Runs `op` until it succeeds, retrying errors with backoff (250 ms doubling to 5 s) for at most
 * `maxWaitMs`, and not at all once the worker is stopping. `onFirstFailure` is told once, so a
 * thousand waiting messages do not log every retry. The last error (or one `retryIf` refuses) is
 * rethrown.
 */
export async function untilStoreAnswers<T>(
  op: () => Promise<T>,
  ctx: { readonly clock: Clock; readonly signal: AbortSignal },
  onFirstFailure: (error: unknown) => void,
  opts: { maxWaitMs?: number; retryIf?: (error: unknown) => boolean } = {},
): Promise<T> {
  const maxWaitMs = opts.maxWaitMs ?? STORE_OUTAGE_WAIT_MS;
  const started = ctx.clock.now();
  for (let attempt = 0, pause = 250; ; attempt++, pause = Math.min(pause * 2, 5_000)) {
    try {
      return await op();
    } catch (error) {
      if (opts.retryIf && !opts.retryIf(error)) throw error;
      if (attempt === 0) onFirstFailure(error);
      const waited = ctx.clock.now() - started;
      if (ctx.signal.aborted || waited + pause > maxWaitMs) throw error;
      await ctx.clock.sleep(pause, ctx.signal).catch(() => undefined);
      if (ctx.signal.aborted) throw error;
    }
  }
}
