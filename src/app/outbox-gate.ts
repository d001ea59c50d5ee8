import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { StoreHealth } from '../observability/store-health.js';
import type { StageContext } from '../pipeline/stage.js';
import type { RelayState } from '../state/relay-state.js';

/** How often a full outbox is counted again while intake waits for room. */
const RECOUNT_MS = 1_000;

/**
 * Backpressure (OUTBOX_MAX_ITEMS): while the outbox holds that many entries, intake holds its
 * micro-batch instead of enqueueing it. Held messages keep their leases and fill flow control, so
 * the subscriber pulls nothing more and the backlog stays in Pub/Sub, where it is cheap and safe.
 * The count is read at most once a second, shared by every batch.
 */
export function outboxGate(deps: {
  state: RelayState | undefined;
  maxItems: number;
  clock: Clock;
  log: Logger;
  storeHealth: StoreHealth | undefined;
}) {
  let items = 0;
  let countedAt = Number.NEGATIVE_INFINITY;
  let counting: Promise<void> | undefined;
  let full = false;

  const recount = () =>
    (counting ??= (async () => {
      try {
        const stats = await deps.state!.outboxStats();
        items = stats.reduce((sum, s) => sum + s.items, 0);
        deps.storeHealth?.succeeded();
      } catch (error) {
        deps.storeHealth?.failed(error);
      } finally {
        countedAt = deps.clock.now();
        counting = undefined;
      }
      const nowFull = items >= deps.maxItems;
      if (nowFull !== full) {
        full = nowFull;
        deps.log[full ? 'warn' : 'info'](
          { outboxItems: items, max: deps.maxItems },
          full ? 'outbox full: intake holds messages (backlog stays in Pub/Sub)' : 'outbox has room again',
        );
      }
    })());

  return {
    async wait(ctx: StageContext): Promise<void> {
      if (!deps.state) return;
      for (;;) {
        if (deps.clock.now() - countedAt >= RECOUNT_MS) await recount();
        if (!full || ctx.signal.aborted) return;
        await ctx.clock.sleep(RECOUNT_MS, ctx.signal).catch(() => undefined);
      }
    },
    /** null while there is room; why intake holds messages otherwise (/readyz, status page). */
    fullReason: (): string | null =>
      full
        ? `outbox full: ${items} entries queued (OUTBOX_MAX_ITEMS=${deps.maxItems}); intake is holding messages`
        : null,
  };
}
