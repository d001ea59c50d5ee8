import { MAX_MESSAGE_BYTES } from '../finding/schema.js';
import { DEAD_LETTER_ATTRIBUTES } from '../pubsub/dead-letter.js';
import type { PulledMessage } from './pull-client.js';

/** Reason of a message Pub/Sub dead-lettered itself (it carries no finding_relay_reason). */
export const MAX_DELIVERY_ATTEMPTS_REASON = 'max-delivery-attempts';
/** Reason of a message on the dead-letter topic that neither the relay nor Pub/Sub put there. */
export const UNKNOWN_REASON = 'unknown';
export const UNKNOWN_AGENT = 'unknown';

/** Attributes Pub/Sub adds when its dead-letter policy moves a message. */
export const PUBSUB_DEAD_LETTER_PREFIX = 'CloudPubSubDeadLetter';
const DELIVERY_COUNT = 'CloudPubSubDeadLetterSourceDeliveryCount';
const SOURCE_SUBSCRIPTION = 'CloudPubSubDeadLetterSourceSubscription';

/** One message on the dead-letter inspect subscription, with what an operator sorts by. */
export interface DeadLetter {
  readonly ackId: string;
  readonly messageId: string;
  /** The message id on the findings topic: finding_relay_original_message_id, else messageId. */
  readonly originalMessageId: string;
  readonly publishTime: Date;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  /** finding_relay_reason; `max-delivery-attempts` when Pub/Sub dead-lettered it. */
  readonly reason: string;
  readonly detail: string;
  /** The `agent` attribute, else the data's source.agent, else `unknown`. */
  readonly agent: string;
  /** From the data when it is a JSON object with a string `id` (valid or not). */
  readonly findingId: string | undefined;
  readonly title: string | undefined;
  /** Deliveries Pub/Sub counted before dead-lettering; undefined for the relay's own. */
  readonly deliveryCount: number | undefined;
  /** Who dead-lettered it: the relay (with a reason) or Pub/Sub's policy. */
  readonly origin: 'relay' | 'pubsub';
}

/** Classifies a pulled dead letter. Pure; never throws, whatever the data holds. */
export function toDeadLetter(message: PulledMessage): DeadLetter {
  const { attributes } = message;
  const relayReason = attributes[DEAD_LETTER_ATTRIBUTES.reason];
  const countText = attributes[DELIVERY_COUNT];
  const deliveryCount = countText !== undefined && /^\d+$/.test(countText) ? Number(countText) : undefined;
  const peek = peekFinding(message.data);
  const reason = relayReason ?? (countText !== undefined ? MAX_DELIVERY_ATTEMPTS_REASON : UNKNOWN_REASON);
  return {
    ackId: message.ackId,
    messageId: message.messageId,
    originalMessageId: attributes[DEAD_LETTER_ATTRIBUTES.originalMessageId] || message.messageId,
    publishTime: message.publishTime,
    data: message.data,
    attributes,
    reason,
    detail:
      attributes[DEAD_LETTER_ATTRIBUTES.detail] ?? pubsubDetail(countText, attributes[SOURCE_SUBSCRIPTION]),
    agent: attributes.agent || peek.agent || UNKNOWN_AGENT,
    findingId: peek.id,
    title: peek.title,
    deliveryCount,
    origin: relayReason !== undefined ? 'relay' : 'pubsub',
  };
}

function pubsubDetail(count: string | undefined, subscription: string | undefined): string {
  if (count === undefined) return '';
  const from = subscription ? ` on ${subscription}` : '';
  return `delivered ${count} times${from} without being settled`;
}

interface Peek {
  readonly id?: string;
  readonly title?: string;
  readonly agent?: string;
}

/**
 * What the data says about itself when it is a JSON object, valid finding or not, so a
 * schema violation still shows its id and title. Oversized data is not decoded.
 */
export function peekFinding(data: Buffer): Peek {
  if (data.byteLength > MAX_MESSAGE_BYTES) return {};
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const record = value as Record<string, unknown>;
  const source = record.source;
  const agent =
    typeof source === 'object' && source !== null ? (source as Record<string, unknown>).agent : undefined;
  return {
    ...(typeof record.id === 'string' ? { id: record.id } : {}),
    ...(typeof record.title === 'string' ? { title: record.title } : {}),
    ...(typeof agent === 'string' && agent !== '' ? { agent } : {}),
  };
}
