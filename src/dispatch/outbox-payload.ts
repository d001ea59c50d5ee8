import type { RoutedFinding } from '../channels/types.js';
import type { InboundMessage } from '../pipeline/types.js';

/**
 * What a dispatcher reads from an outbox entry: the finding as intake parsed it (with a route's
 * repo override), the matrix's decision, and the original message (data and attributes), so a
 * permanent failure found later by a dispatcher can still be dead-lettered exactly as
 * docs/contract.md §5 asks, long after the message itself was acked.
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

/**
 * Stored as two parts (EnqueueRequest.shared and .payload): what every channel of the event
 * carries, the same object for each (the finding and the original message, most of the bytes:
 * sqlite keeps it once per event), and each channel's own part (its decision, a route's repo).
 */
export interface OutboxShared {
  /** The finding as published (never routed: a route's override is per channel). */
  readonly finding: RoutedFinding;
  readonly message: OutboxPayload['message'];
}

export interface OutboxChannelPart {
  readonly v: 2;
  readonly decision: 'deliver' | 'dry-run';
  /** A route's repo override (GitHub files the issue there); the finding's own repo stays in it. */
  readonly repo?: string;
}

/** The event's shared part; build it once per message and give the same object to each channel. */
export function outboxShared(finding: RoutedFinding, message: InboundMessage): OutboxShared {
  return {
    finding,
    message: {
      id: message.id,
      data: message.data.toString('base64'),
      attributes: { ...message.attributes },
      publishedAt: message.publishTime.getTime(),
    },
  };
}

export function outboxChannelPart(decision: 'deliver' | 'dry-run', repo?: string): OutboxChannelPart {
  return repo === undefined ? { v: 2, decision } : { v: 2, decision, repo };
}

export class UnreadablePayloadError extends Error {
  override name = 'UnreadablePayloadError';
}

/**
 * Reads an entry back (its payload and shared parts); a shape this version did not write is an
 * error, never a guess. A whole v1 payload (entries queued by the version before) still reads.
 */
export function readOutboxPayload(payload: unknown, shared?: unknown): OutboxPayload {
  const part = payload as Partial<OutboxChannelPart> | null;
  if (typeof part === 'object' && part !== null && part.v === 2) {
    const s = shared as Partial<OutboxShared> | null | undefined;
    const finding = s?.finding;
    if (
      (part.decision !== 'deliver' && part.decision !== 'dry-run') ||
      (part.repo !== undefined && typeof part.repo !== 'string') ||
      typeof finding !== 'object' ||
      finding === null
    )
      throw new UnreadablePayloadError('outbox entry has an unreadable payload');
    return checked({
      v: 1,
      finding:
        part.repo === undefined
          ? finding
          : { ...finding, repo: part.repo, ...(finding.repo ? { routedFrom: finding.repo } : {}) },
      decision: part.decision,
      message: s!.message!,
    });
  }
  return checked(payload);
}

function checked(value: unknown): OutboxPayload {
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
