import type { DeadLetter } from './dead-letter-record.js';

export interface PurgeReport {
  readonly purged: number;
  readonly failed: ReadonlyArray<{ readonly letters: number; readonly error: string }>;
}

export interface PurgeOptions {
  /** Dead letters acked per request batch. Default 1,000. */
  readonly chunkSize?: number;
  readonly onProgress?: (handled: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Removes the chosen dead letters for good (acks them) in chunks; a failed chunk is reported and
 * its letters stay. Stops between chunks when the signal aborts.
 */
export async function purgeDeadLetters(
  letters: readonly DeadLetter[],
  ack: (letters: readonly DeadLetter[]) => Promise<void>,
  options: PurgeOptions = {},
): Promise<PurgeReport> {
  const chunkSize = Math.max(1, options.chunkSize ?? 1_000);
  let purged = 0;
  const failed: Array<{ letters: number; error: string }> = [];
  for (let start = 0; start < letters.length; start += chunkSize) {
    if (options.signal?.aborted) break;
    const chunk = letters.slice(start, start + chunkSize);
    try {
      await ack(chunk);
      purged += chunk.length;
    } catch (error) {
      failed.push({ letters: chunk.length, error: error instanceof Error ? error.message : String(error) });
    }
    options.onProgress?.(Math.min(start + chunkSize, letters.length), letters.length);
  }
  return { purged, failed };
}
