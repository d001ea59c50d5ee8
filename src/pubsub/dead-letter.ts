import type { InboundMessage } from '../pipeline/types.js';
import type { MessagePublisher } from './message-publisher.js';

export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'finding_relay_reason',
  detail: 'finding_relay_detail',
  originalMessageId: 'finding_relay_original_message_id',
} as const;

/** Pub/Sub refuses attribute values over 1,024 bytes; keep the detail well inside that. */
export const DEAD_LETTER_DETAIL_MAX_BYTES = 1_000;

/**
 * Republishes a message to the dead-letter topic with its original data and attributes plus why
 * it was refused. Resolves with the new message id; throws when the publish fails (the caller
 * then nacks, so the message is not lost). `detail` must already be free of secrets.
 */
export function publishDeadLetter(
  topic: MessagePublisher,
  message: InboundMessage,
  reason: string,
  detail: string,
): Promise<string> {
  return topic.publishMessage({
    data: message.data,
    attributes: {
      ...message.attributes,
      [DEAD_LETTER_ATTRIBUTES.reason]: reason,
      [DEAD_LETTER_ATTRIBUTES.detail]: truncateUtf8(oneLine(detail), DEAD_LETTER_DETAIL_MAX_BYTES),
      [DEAD_LETTER_ATTRIBUTES.originalMessageId]: message.id,
    },
  });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts to at most maxBytes of UTF-8 without splitting a character, marking the cut with `…`. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const ellipsis = '…';
  const budget = maxBytes - Buffer.byteLength(ellipsis, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + ellipsis;
}
