import { describe, expect, it } from 'vitest';
import type { DeadLetter } from './dead-letter-record.js';
import { purgeDeadLetters } from './purge.js';
import { testLetter } from './test-letters.js';

describe('purgeDeadLetters', () => {
  it('acks in chunks and reports a failed chunk without stopping', async () => {
    const letters = Array.from({ length: 5 }, (_, i) => testLetter(`x${i}`));
    const acked: string[][] = [];
    let call = 0;
    const report = await purgeDeadLetters(
      letters,
      async (chunk: readonly DeadLetter[]) => {
        call += 1;
        if (call === 2) throw new Error('PERMISSION_DENIED');
        acked.push(chunk.map((l) => l.messageId));
      },
      { chunkSize: 2 },
    );
    expect(acked).toEqual([[letters[0]!.messageId, letters[1]!.messageId], [letters[4]!.messageId]]);
    expect(report).toEqual({ purged: 3, failed: [{ letters: 2, error: 'PERMISSION_DENIED' }] });
  });
});
