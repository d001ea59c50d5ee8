import { isFinal } from '../channels/types.js';
import type { ClaimsPort, FingerprintWindowPort } from './side-effect-claims.js';
import type { Stage } from './stage.js';

/**
 * After delivery: a final outcome is recorded as done (a redelivery reuses it, never repeats the
 * side effect); anything else releases the claim and the fingerprint window so a retry may act.
 * A failed done-write is logged, not fatal: the side effect happened, so the message is settled
 * as done and only a lost ack could repeat it.
 */
export function recordStage(claims: ClaimsPort, window: FingerprintWindowPort | undefined): Stage {
  return async (batch, ctx) => {
    const work: Promise<unknown>[] = [];
    for (const envelope of batch) {
      for (const [channel, handle] of envelope.claims) {
        const outcome = envelope.outcomes.get(channel);
        if (outcome && isFinal(outcome)) {
          work.push(
            claims.markDone(handle.token, outcome).catch((error: unknown) => {
              ctx.log.error(
                {
                  findingId: envelope.finding?.id,
                  channel,
                  err: error instanceof Error ? error.message : String(error),
                },
                'could not record a done side effect',
              );
            }),
          );
        } else {
          work.push(claims.release(handle.token).catch(() => undefined));
          if (handle.windowToken !== undefined && window) {
            work.push(window.release(handle.windowToken).catch(() => undefined));
          }
        }
      }
      envelope.claims.clear();
    }
    await Promise.all(work);
    return batch;
  };
}
