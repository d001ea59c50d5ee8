import { describe, expect, it } from 'vitest';
import { isFilterEmpty, selectDeadLetters, unmatchedIds } from './select.js';
import { testLetter, validFindingJson } from './test-letters.js';

const now = Date.UTC(2026, 10, 26, 12, 0, 0);
const hoursAgo = (h: number) => new Date(now - h * 3_600_000);
const letters = [
  testLetter(
    validFindingJson('f-a'),
    { finding_relay_reason: 'invalid-schema', agent: 'a' },
    { messageId: 'm-1', publishTime: hoursAgo(10) },
  ),
  testLetter(
    '{bad',
    { finding_relay_reason: 'invalid-json', finding_relay_original_message_id: 'o-2' },
    { messageId: 'm-2', publishTime: hoursAgo(2) },
  ),
  testLetter(
    validFindingJson('f-c'),
    { CloudPubSubDeadLetterSourceDeliveryCount: '5', agent: 'b' },
    { messageId: 'm-3', publishTime: hoursAgo(0.5) },
  ),
];
const ids = (chosen: readonly { messageId: string }[]) => chosen.map((l) => l.messageId);

describe('selectDeadLetters', () => {
  it('matches --id against finding id, message id and original message id', () => {
    expect(ids(selectDeadLetters(letters, { ids: ['f-a', 'm-3'] }, now))).toEqual(['m-1', 'm-3']);
    expect(ids(selectDeadLetters(letters, { ids: ['o-2'] }, now))).toEqual(['m-2']);
  });

  it('filters by reason (the classified one), agent and age, all of them at once', () => {
    expect(ids(selectDeadLetters(letters, { reason: 'max-delivery-attempts' }, now))).toEqual(['m-3']);
    expect(ids(selectDeadLetters(letters, { agent: 'scanner' }, now))).toEqual([]);
    expect(ids(selectDeadLetters(letters, { agent: 'unknown' }, now))).toEqual(['m-2']);
    expect(ids(selectDeadLetters(letters, { olderThanMs: 3_600_000 }, now))).toEqual(['m-1', 'm-2']);
    expect(ids(selectDeadLetters(letters, { olderThanMs: 3_600_000, reason: 'invalid-json' }, now))).toEqual([
      'm-2',
    ]);
  });

  it('an empty filter selects everything and says it is empty', () => {
    expect(isFilterEmpty({ ids: [] })).toBe(true);
    expect(isFilterEmpty({ olderThanMs: 1 })).toBe(false);
    expect(selectDeadLetters(letters, {}, now)).toHaveLength(3);
  });
});

describe('unmatchedIds', () => {
  it('names the ids nothing matched', () => {
    expect(unmatchedIds(letters, ['f-a', 'nope', 'm-2'])).toEqual(['nope']);
  });
});
