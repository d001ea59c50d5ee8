import { CHANNELS, type Outcome } from '../channels/types.js';
import type { Stage } from './stage.js';
import type { Envelope, InboundMessage } from './types.js';

export type DeadLetterPort = (message: InboundMessage, reason: string, detail: string) => Promise<unknown>;

export type Settlement =
  | { kind: 'ack' }
  | { kind: 'nack'; cause: string }
  | { kind: 'dead-letter'; reason: string; detail: string };

/** How one envelope leaves: every channel final → ack; a permanent failure or invalid input → dead-letter; else nack. */
export function settlementFor(envelope: Envelope): Settlement {
  if (envelope.invalid)
    return { kind: 'dead-letter', reason: envelope.invalid.reason, detail: envelope.invalid.detail };
  const outcomes = CHANNELS.map((c) => [c, envelope.outcomes.get(c)] as const);
  const permanent = outcomes.find(([, o]) => o?.kind === 'permanent');
  if (permanent) {
    const [channel, o] = permanent as [string, Extract<Outcome, { kind: 'permanent' }>];
    return { kind: 'dead-letter', reason: o.reason, detail: `${channel}: ${o.cause}` };
  }
  const unsettled = outcomes.filter(([, o]) => !o || o.kind === 'transient');
  if (unsettled.length > 0) {
    const causes = unsettled.map(([c, o]) => `${c}: ${o?.kind === 'transient' ? o.cause : 'no outcome'}`);
    return { kind: 'nack', cause: causes.join('; ') };
  }
  return { kind: 'ack' };
}

/**
 * Settles each message exactly once. A dead letter is acked only after its publish succeeded;
 * if the publish fails the message is nacked, so it is never lost.
 */
export function settleStage(
  deadLetter: DeadLetterPort,
  onSettled: (envelope: Envelope, settlement: Settlement) => void,
  redact: (text: string) => string = (t) => t,
): Stage {
  return async (batch, ctx) => {
    await Promise.all(
      batch.map(async (envelope) => {
        let settlement = settlementFor(envelope);
        if (settlement.kind === 'dead-letter') {
          const detail = redact(settlement.detail);
          settlement = { ...settlement, detail };
          try {
            await deadLetter(envelope.message, settlement.reason, detail);
            envelope.message.ack();
          } catch (error) {
            const cause = `dead-letter publish failed: ${redact(error instanceof Error ? error.message : String(error))}`;
            ctx.log.error({ messageId: envelope.message.id, reason: settlement.reason }, cause);
            settlement = { kind: 'nack', cause };
            envelope.message.nack();
          }
        } else if (settlement.kind === 'ack') {
          envelope.message.ack();
        } else {
          envelope.message.nack();
        }
        onSettled(envelope, settlement);
      }),
    );
    return batch;
  };
}
