import type { ChannelName } from '../channels/types.js';
import { isFinal } from '../channels/types.js';
import { untilStoreAnswers } from '../lib/store-wait.js';
import type { ClaimsPort, FingerprintWindowPort } from './side-effect-claims.js';
import type { Stage, StageContext } from './stage.js';
import type { Envelope } from './types.js';

/** Records (or releases) the claims of one channel; see recordChannel. */
export type ChannelRecorder = (
  channel: ChannelName,
  envelopes: readonly Envelope[],
  ctx: StageContext,
) => Promise<void>;

/**
 * After delivery: a final outcome is recorded as done (a redelivery reuses it, never repeats the
 * side effect); anything else releases the claim and the fingerprint window so a retry may act.
 * A failed done-write is logged, not fatal: the side effect happened, so the message is settled
 * as done and only a lost ack could repeat it.
 *
 * Called by the deliver stage as soon as ONE channel has its outcomes, not after every channel:
 * a Slack digest that was posted must be marked done at once, not only after GitHub finished the
 * rest of the micro-batch (seconds later), or a worker dying in between would let a redelivery
 * post it again. The claims it handles leave `envelope.claims`.
 */
export function recordChannel(
  claims: ClaimsPort,
  window: FingerprintWindowPort | undefined,
): ChannelRecorder {
  return async (channel, envelopes, ctx) => {
    const work: Promise<unknown>[] = [];
    for (const envelope of envelopes) {
      const handle = envelope.claims.get(channel);
      if (!handle) continue;
      envelope.claims.delete(channel);
      const outcome = envelope.outcomes.get(channel);
      if (outcome && isFinal(outcome)) {
        // The side effect happened: its done mark is worth waiting for through a store outage.
        work.push(
          untilStoreAnswers(
            () => claims.markDone(handle.token, outcome),
            ctx,
            () => undefined,
          ).catch((error: unknown) => {
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
    await Promise.all(work);
  };
}

/** Records whatever claims are still held after delivery (e.g. duplicates decided by dedupe). */
export function recordStage(claims: ClaimsPort, window: FingerprintWindowPort | undefined): Stage {
  const record = recordChannel(claims, window);
  return async (batch, ctx) => {
    const channels = new Set(batch.flatMap((e) => [...e.claims.keys()]));
    await Promise.all([...channels].map((channel) => record(channel, batch, ctx)));
    return batch;
  };
}
