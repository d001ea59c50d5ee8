import { testFindingInput } from '../finding/test-findings.js';
import { type DeadLetter, toDeadLetter } from './dead-letter-record.js';
import type { PulledMessage } from './pull-client.js';

let counter = 0;

/** A dead letter as a pull would classify it (for unit tests of dlq logic). */
export function testLetter(
  data: string | Buffer,
  attributes: Record<string, string> = {},
  overrides: Partial<Pick<PulledMessage, 'ackId' | 'messageId' | 'publishTime'>> = {},
): DeadLetter {
  counter += 1;
  return toDeadLetter({
    ackId: overrides.ackId ?? `ack-${counter}`,
    messageId: overrides.messageId ?? `msg-${counter}`,
    publishTime: overrides.publishTime ?? new Date(Date.UTC(2026, 10, 26, 10, 0, 0)),
    data: Buffer.isBuffer(data) ? data : Buffer.from(data),
    attributes,
  });
}

/**
 * A valid finding's JSON (schema v1): testFindingInput's with `id` (title `Finding <id>`, agent
 * `scanner`, severity `high`); `extra` is spread over it unchecked, so it can make it invalid.
 */
export function validFindingJson(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...testFindingInput({ id }), ...extra });
}
