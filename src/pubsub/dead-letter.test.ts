import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../pipeline/types.js';
import { publishDeadLetter, truncateUtf8 } from './dead-letter.js';
import type { MessagePublisher } from './message-publisher.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncateUtf8', () => {
  it('keeps short text as is', () => {
    expect(truncateUtf8('short', 1000)).toBe('short');
  });

  it('never exceeds the byte budget, never splits a character, and keeps a prefix', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀'), maxLength: 600 });
    fc.assert(
      fc.property(text, fc.integer({ min: 4, max: 1200 }), (input, max) => {
        const cut = truncateUtf8(input, max);
        if (Buffer.byteLength(input, 'utf8') <= max) {
          expect(cut).toBe(input);
          return;
        }
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
        expect(cut.endsWith('…')).toBe(true);
        const kept = cut.slice(0, -1);
        expect(input.startsWith(kept)).toBe(true);
        expect(kept).not.toMatch(LONE_SURROGATE); // no half of a character cut off
      }),
    );
  });
});

describe('publishDeadLetter', () => {
  const message: InboundMessage = {
    id: 'm-1',
    data: Buffer.from('{"id":"x"}'),
    attributes: { agent: 'a', finding_relay_reason: 'stale' },
    deliveryAttempt: 2,
    publishTime: new Date(0),
    ack: () => {},
    nack: () => {},
  };

  it('sends the original data and attributes with reason, one-line detail and original id', async () => {
    const sent: Parameters<MessagePublisher['publishMessage']>[0][] = [];
    const topic: MessagePublisher = {
      publishMessage: async (m) => {
        sent.push(m);
        return 'dl-1';
      },
    };
    expect(await publishDeadLetter(topic, message, 'invalid-schema', 'line one\n  line two')).toBe('dl-1');
    expect(sent).toEqual([
      {
        data: message.data,
        attributes: {
          agent: 'a',
          finding_relay_reason: 'invalid-schema',
          finding_relay_detail: 'line one line two',
          finding_relay_original_message_id: 'm-1',
        },
      },
    ]);
  });

  it('passes a publish failure on to the caller', async () => {
    const topic: MessagePublisher = {
      publishMessage: async () => {
        throw new Error('unavailable');
      },
    };
    await expect(publishDeadLetter(topic, message, 'too-large', 'x')).rejects.toThrow('unavailable');
  });
});
