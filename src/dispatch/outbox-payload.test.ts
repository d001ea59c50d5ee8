import { describe, expect, it } from 'vitest';
import type { RoutedFinding } from '../channels/types.js';
import { testFinding } from '../finding/test-findings.js';
import type { InboundMessage } from '../pipeline/types.js';
import {
  originalMessage,
  outboxChannelPart,
  outboxShared,
  readOutboxPayload,
  UnreadablePayloadError,
} from './outbox-payload.js';

const finding: RoutedFinding = testFinding({ id: 'f1', fingerprint: 'fp', repo: 'acme/api', title: 'T' });
const message: InboundMessage = {
  id: 'm1',
  data: Buffer.from([0x7b, 0x7d, 0xff]), // not UTF-8 on purpose: the bytes come back exactly
  attributes: { agent: 'scanner' },
  deliveryAttempt: 2,
  publishTime: new Date(5_000),
  ack: () => undefined,
  nack: () => undefined,
};
// What a store hands back: parsed JSON, never the objects intake built.
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe('outbox payload', () => {
  const shared = outboxShared(finding, message);

  it('reads a channel part with the shared part back as the whole payload', () => {
    const read = readOutboxPayload(stored(outboxChannelPart('dry-run')), stored(shared));
    expect(read).toEqual({
      v: 1,
      finding,
      decision: 'dry-run',
      message: {
        id: 'm1',
        data: message.data.toString('base64'),
        attributes: { agent: 'scanner' },
        publishedAt: 5_000,
      },
    });
    expect(originalMessage(read).data.equals(message.data)).toBe(true);
  });

  it("applies a route's repo override per channel and keeps the finding's own repo as routedFrom", () => {
    const read = readOutboxPayload(stored(outboxChannelPart('deliver', 'acme/triage')), stored(shared));
    expect(read.finding).toMatchObject({ repo: 'acme/triage', routedFrom: 'acme/api' });
    // The shared part is the same for the event's other channels: it is not routed.
    expect(readOutboxPayload(stored(outboxChannelPart('deliver')), stored(shared)).finding).toEqual(finding);
  });

  it('still reads a whole v1 payload (entries queued by the version before)', () => {
    const v1 = { v: 1, finding, decision: 'deliver', message: shared.message };
    expect(readOutboxPayload(stored(v1))).toEqual(v1);
  });

  it('refuses what this version did not write, never guessing', () => {
    for (const [payload, sharedPart] of [
      [outboxChannelPart('deliver'), undefined],
      [{ v: 2, decision: 'maybe' }, shared],
      [{ v: 2, decision: 'deliver', repo: 7 }, shared],
      [{ v: 3, decision: 'deliver' }, shared],
      [null, shared],
      [{ v: 1, finding, decision: 'deliver' }, undefined],
    ] as const) {
      expect(() => readOutboxPayload(stored(payload), sharedPart && stored(sharedPart))).toThrow(
        UnreadablePayloadError,
      );
    }
  });
});
