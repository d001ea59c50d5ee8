import type { ChannelName } from '../channels/types.js';
import { untilStoreAnswers } from '../lib/store-wait.js';
import { type ClaimsPort, type FingerprintWindowPort, isFinalOutcomeRecord } from './side-effect-claims.js';
import type { Stage, StageContext } from './stage.js';
import type { Envelope } from './types.js';

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Per (event id, channel): a side effect already done is not repeated (its recorded outcome is
 * reused); one held by another worker waits (transient). Per fingerprint: Slack announces the
 * first finding of a window only. The store being down makes everything wait, never proceed.
 */
export function dedupeStage(claims: ClaimsPort, window: FingerprintWindowPort | undefined): Stage {
  return async (batch, ctx) => {
    const work: Promise<void>[] = [];
    for (const envelope of batch) {
      if (!envelope.finding) continue;
      for (const [channel, decision] of envelope.decisions) {
        if (decision.do === 'drop' || envelope.outcomes.has(channel)) continue;
        work.push(guard(envelope, channel, claims, channel === 'slack' ? window : undefined, ctx));
      }
    }
    await Promise.all(work);
    return batch;
  };
}

/**
 * A claim held by a live lease is usually the same event being handled right now (Pub/Sub
 * redelivers what waited too long in the client, or another worker has it). Waiting a little,
 * while the client extends this message's lease, settles it as done instead of burning one of
 * its delivery attempts on a nack.
 */
export const HELD_CLAIM_WAIT_MS = 30_000;

async function claimWaitingBriefly(
  claims: ClaimsPort,
  eventId: string,
  channel: ChannelName,
  ctx: StageContext,
) {
  const deadline = ctx.clock.now() + HELD_CLAIM_WAIT_MS;
  for (let pause = 50; ; pause = Math.min(pause * 2, 2_000)) {
    const claim = await claims.claim(eventId, channel);
    if (claim.status !== 'held' || ctx.clock.now() + pause > deadline || ctx.signal.aborted) return claim;
    await ctx.clock.sleep(pause, ctx.signal).catch(() => undefined);
  }
}

async function guard(
  envelope: Envelope,
  channel: ChannelName,
  claims: ClaimsPort,
  window: FingerprintWindowPort | undefined,
  ctx: StageContext,
): Promise<void> {
  const finding = envelope.finding!;
  let claimed: { token: unknown } | undefined;
  let warned = false;
  const warnOnce = (error: unknown) => {
    if (warned) return;
    warned = true;
    ctx.log.warn(
      { findingId: finding.id, channel, err: describe(error) },
      'state store unavailable: will retry',
    );
  };
  try {
    // The store being down makes the message wait here (see untilStoreAnswers); a claim already
    // taken is kept across the retries, so the retry does not find itself holding it.
    await untilStoreAnswers(
      async () => {
        if (claimed) return;
        const claim = await claimWaitingBriefly(claims, finding.id, channel, ctx);
        if (claim.status === 'done') {
          envelope.outcomes.set(
            channel,
            isFinalOutcomeRecord(claim.record)
              ? claim.record
              : { kind: 'transient', cause: 'unreadable done-record in the state store' },
          );
          return;
        }
        if (claim.status === 'held') {
          envelope.outcomes.set(channel, {
            kind: 'transient',
            cause: `side effect claimed by ${claim.holder}`,
            retryAfterMs: Math.max(0, claim.expiresAt - ctx.clock.now()),
          });
          return;
        }
        claimed = claim;
      },
      ctx,
      warnOnce,
    );
    if (!claimed) return;
    const token = claimed.token;
    if (!window) {
      envelope.claims.set(channel, { token });
      return;
    }
    const seen = await untilStoreAnswers(
      () => window.firstInWindow(channel, finding.fingerprint, finding.id),
      ctx,
      warnOnce,
    );
    if (seen.first) {
      envelope.claims.set(channel, { token, windowToken: seen.token });
    } else {
      // Final: recorded as done after settle, so a redelivery stays a duplicate.
      envelope.claims.set(channel, { token });
      envelope.outcomes.set(channel, { kind: 'dropped', reason: 'duplicate' });
    }
  } catch (error) {
    if (claimed) await claims.release(claimed.token).catch(() => undefined);
    envelope.claims.delete(channel);
    ctx.log.warn(
      { findingId: finding.id, channel, err: describe(error) },
      'state store unavailable: handed back',
    );
    envelope.outcomes.set(channel, {
      kind: 'transient',
      cause: `state store unavailable: ${describe(error)}`,
    });
  }
}
