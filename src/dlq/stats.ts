import type { DeadLetter } from './dead-letter-record.js';

export interface DeadLetterStats {
  readonly total: number;
  /** Most frequent first. */
  readonly byReason: ReadonlyArray<readonly [reason: string, count: number]>;
  readonly byAgent: ReadonlyArray<readonly [agent: string, count: number]>;
  readonly oldest: Date | undefined;
  readonly newest: Date | undefined;
}

export function computeStats(letters: readonly DeadLetter[]): DeadLetterStats {
  let oldest: Date | undefined;
  let newest: Date | undefined;
  for (const { publishTime } of letters) {
    if (!oldest || publishTime < oldest) oldest = publishTime;
    if (!newest || publishTime > newest) newest = publishTime;
  }
  return {
    total: letters.length,
    byReason: countBy(letters, (letter) => letter.reason),
    byAgent: countBy(letters, (letter) => letter.agent),
    oldest,
    newest,
  };
}

/** Counts, most frequent first, ties by name, so output is stable. */
function countBy(letters: readonly DeadLetter[], key: (letter: DeadLetter) => string) {
  const counts = new Map<string, number>();
  for (const letter of letters) counts.set(key(letter), (counts.get(key(letter)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
