import type { RoutedFinding } from '../channels/types.js';
import type { InboundMessage } from '../pipeline/types.js';

/**
 * What an outbox entry carries: the finding as intake parsed it, the matrix's decision, and the
 * original message (data and attributes), so a permanent failure found later by a dispatcher can
 * still be dead-lettered exactly as CONTRACT §5 asks, long after the message itself was acked.
 */
export interface OutboxPayload {
  readonly v: 1;
  readonly finding: RoutedFinding;
  readonly decision: 'deliver' | 'dry-run';
  readonly message: {
    readonly id: string;
    /** base64 of the original bytes. */
    readonly data: string;
    readonly attributes: Readonly<Record<string, string>>;
    /** Pub/Sub publish time, ms since epoch (latency figures). */
    readonly publishedAt: number;
  };
}

/** The original message as an outbox payload carries it; encoded once per message, shared by its channels. */
export function outboxMessage(message: InboundMessage): OutboxPayload['message'] {
  return {
    id: message.id,
    data: message.data.toString('base64'),
    attributes: { ...message.attributes },
    publishedAt: message.publishTime.getTime(),
  };
}

export function toOutboxPayload(
  finding: RoutedFinding,
  decision: 'deliver' | 'dry-run',
  message: OutboxPayload['message'],
): OutboxPayload {
  return { v: 1, finding, decision, message };
}

export class UnreadablePayloadError extends Error {
  override name = 'UnreadablePayloadError';
}

/** Reads a payload back; a shape this version did not write is an error, never a guess. */
export function readOutboxPayload(value: unknown): OutboxPayload {
  const p = value as Partial<OutboxPayload> | null;
  const ok =
    typeof p === 'object' &&
    p !== null &&
    p.v === 1 &&
    typeof p.finding === 'object' &&
    p.finding !== null &&
    typeof p.finding.id === 'string' &&
    (p.decision === 'deliver' || p.decision === 'dry-run') &&
    typeof p.message?.data === 'string' &&
    typeof p.message.id === 'string';
  if (!ok) throw new UnreadablePayloadError('outbox entry has an unreadable payload');
  return p as OutboxPayload;
}

/** The original message again, for the dead-letter publisher (never acked or nacked: it was acked). */
export function originalMessage(payload: OutboxPayload): InboundMessage {
  return {
    id: payload.message.id,
    data: Buffer.from(payload.message.data, 'base64'),
    attributes: payload.message.attributes,
    deliveryAttempt: 0,
    publishTime: new Date(payload.message.publishedAt),
    ack: () => undefined,
    nack: () => undefined,
  };
}
