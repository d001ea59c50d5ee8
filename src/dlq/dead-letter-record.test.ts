import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../finding/schema.js';
import { peekFinding } from './dead-letter-record.js';
import { testLetter, validFindingJson } from './test-letters.js';

describe('toDeadLetter', () => {
  it('reads the relay reason, detail and original message id', () => {
    const letter = testLetter(
      validFindingJson('f-1', { severity: 'urgent' }),
      {
        agent: 'from-attribute',
        finding_relay_reason: 'invalid-schema',
        finding_relay_detail: 'severity: must be one of …',
        finding_relay_original_message_id: 'orig-7',
      },
      { messageId: 'dl-1' },
    );
    expect(letter).toMatchObject({
      origin: 'relay',
      reason: 'invalid-schema',
      detail: 'severity: must be one of …',
      originalMessageId: 'orig-7',
      messageId: 'dl-1',
      agent: 'from-attribute',
      findingId: 'f-1',
      title: 'Finding f-1',
      deliveryCount: undefined,
    });
  });

  it('classifies a message Pub/Sub dead-lettered as max-delivery-attempts with its count', () => {
    const letter = testLetter(
      validFindingJson('f-2'),
      {
        CloudPubSubDeadLetterSourceDeliveryCount: '5',
        CloudPubSubDeadLetterSourceSubscription: 'finding-relay',
      },
      { messageId: 'dl-2' },
    );
    expect(letter).toMatchObject({
      origin: 'pubsub',
      reason: 'max-delivery-attempts',
      deliveryCount: 5,
      originalMessageId: 'dl-2',
      agent: 'scanner',
    });
    expect(letter.detail).toBe('delivered 5 times on finding-relay without being settled');
  });

  it('calls a message nobody labelled unknown, with agent unknown when the data says nothing', () => {
    const letter = testLetter(Buffer.from([0xff, 0xfe]));
    expect(letter).toMatchObject({
      reason: 'unknown',
      agent: 'unknown',
      findingId: undefined,
      title: undefined,
    });
  });
});

describe('peekFinding', () => {
  it('takes id, title and agent from any JSON object, ignoring non-strings', () => {
    expect(peekFinding(Buffer.from('{"id":1,"title":"T","source":{"agent":"a"}}'))).toEqual({
      title: 'T',
      agent: 'a',
    });
    expect(peekFinding(Buffer.from('[1,2]'))).toEqual({});
    expect(peekFinding(Buffer.from('{not json'))).toEqual({});
  });

  it('does not decode data over the message limit', () => {
    const big = Buffer.from(JSON.stringify({ id: 'x', body: 'y'.repeat(MAX_MESSAGE_BYTES) }));
    expect(peekFinding(big)).toEqual({});
  });
});
