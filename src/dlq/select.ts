import type { DeadLetter } from './dead-letter-record.js';

/** Which dead letters a command acts on; the set fields must all match (AND). */
export interface DeadLetterFilter {
  /** Each matches a finding id, a message id or the original message id. */
  readonly ids?: readonly string[];
  readonly reason?: string;
  readonly agent?: string;
  /** Published more than this long before `now`. */
  readonly olderThanMs?: number;
}

export function isFilterEmpty(filter: DeadLetterFilter): boolean {
  return (
    (filter.ids === undefined || filter.ids.length === 0) &&
    filter.reason === undefined &&
    filter.agent === undefined &&
    filter.olderThanMs === undefined
  );
}

export function matchesFilter(letter: DeadLetter, filter: DeadLetterFilter, now: number): boolean {
  if (filter.ids && filter.ids.length > 0 && !filter.ids.some((id) => matchesId(letter, id))) return false;
  if (filter.reason !== undefined && letter.reason !== filter.reason) return false;
  if (filter.agent !== undefined && letter.agent !== filter.agent) return false;
  if (filter.olderThanMs !== undefined && now - letter.publishTime.getTime() <= filter.olderThanMs) {
    return false;
  }
  return true;
}

export function selectDeadLetters(
  letters: readonly DeadLetter[],
  filter: DeadLetterFilter,
  now: number,
): DeadLetter[] {
  return letters.filter((letter) => matchesFilter(letter, filter, now));
}

export function matchesId(letter: DeadLetter, id: string): boolean {
  return letter.findingId === id || letter.messageId === id || letter.originalMessageId === id;
}

/** The `--id` values no scanned dead letter matched, to report them rather than stay silent. */
export function unmatchedIds(letters: readonly DeadLetter[], ids: readonly string[]): string[] {
  return ids.filter((id) => !letters.some((letter) => matchesId(letter, id)));
}
