import { parseFindingBytes } from '../finding/parse.js';
import type { MessagePublisher } from '../pubsub/message-publisher.js';
import { type DeadLetter, PUBSUB_DEAD_LETTER_PREFIX } from './dead-letter-record.js';

/** Set on a replayed message: the findings-topic message id it was dead-lettered as. */
export const REPLAYED_FROM_ATTRIBUTE = 'finding_relay_replayed_from';
const RELAY_ATTRIBUTE_PREFIX = 'finding_relay_';

export interface ReplayReport {
  readonly replayed: ReadonlyArray<{ readonly letter: DeadLetter; readonly messageId: string }>;
  /** Still not a finding: not republished, left on the subscription. */
  readonly refused: ReadonlyArray<{
    readonly letter: DeadLetter;
    readonly reason: string;
    readonly detail: string;
  }>;
  /** Publishing (or removing after publishing) failed: left on the subscription. */
  readonly failed: ReadonlyArray<{ readonly letter: DeadLetter; readonly error: string }>;
}

export interface ReplayDeps {
  /** The findings topic. */
  readonly topic: MessagePublisher;
  /** Removes replayed dead letters (HeldScan.ack). */
  readonly ack: (letters: readonly DeadLetter[]) => Promise<void>;
}

export interface ReplayOptions {
  /** Report what would happen; publish and remove nothing. */
  readonly dryRun: boolean;
  /** Dead letters published at once, then acked together. Default 100. */
  readonly chunkSize?: number;
  /** Called after each chunk with how many were handled so far. */
  readonly onProgress?: (handled: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * The original attributes without the dead-letter bookkeeping (finding_relay_*, CloudPubSubDeadLetter*),
 * plus where the replay came from, so the relay treats it as a fresh delivery of the same event.
 */
export function replayAttributes(letter: DeadLetter): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(letter.attributes)) {
    if (key.startsWith(RELAY_ATTRIBUTE_PREFIX) || key.startsWith(PUBSUB_DEAD_LETTER_PREFIX)) continue;
    attributes[key] = value;
  }
  attributes[REPLAYED_FROM_ATTRIBUTE] = letter.originalMessageId;
  return attributes;
}

/**
 * Republishes each dead letter whose data is a valid finding to the findings topic (original
 * bytes, cleaned attributes) and acks the dead letter only after its publish succeeded. One that
 * is still invalid is refused and stays. Stops between chunks when the signal aborts.
 */
export async function replayDeadLetters(
  letters: readonly DeadLetter[],
  deps: ReplayDeps,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const replayed: Array<{ letter: DeadLetter; messageId: string }> = [];
  const refused: Array<{ letter: DeadLetter; reason: string; detail: string }> = [];
  const failed: Array<{ letter: DeadLetter; error: string }> = [];
  const chunkSize = Math.max(1, options.chunkSize ?? 100);

  for (let start = 0; start < letters.length; start += chunkSize) {
    if (options.signal?.aborted) break;
    const valid: DeadLetter[] = [];
    for (const letter of letters.slice(start, start + chunkSize)) {
      const parsed = parseFindingBytes(letter.data);
      if (parsed.ok) valid.push(letter);
      else refused.push({ letter, reason: parsed.reason, detail: parsed.detail });
    }
    if (options.dryRun) {
      for (const letter of valid) replayed.push({ letter, messageId: '' });
    } else {
      const published = await Promise.allSettled(
        valid.map((letter) =>
          deps.topic.publishMessage({ data: letter.data, attributes: replayAttributes(letter) }),
        ),
      );
      const done: Array<{ letter: DeadLetter; messageId: string }> = [];
      published.forEach((result, index) => {
        const letter = valid[index]!;
        if (result.status === 'fulfilled') done.push({ letter, messageId: result.value });
        else failed.push({ letter, error: `publish failed: ${describe(result.reason)}` });
      });
      try {
        await deps.ack(done.map((d) => d.letter));
        replayed.push(...done);
      } catch (error) {
        // Published but still dead-lettered: a second replay republishes the same event id,
        // which the relay's per-event dedupe turns into no repeated side effect.
        for (const { letter } of done) {
          failed.push({
            letter,
            error: `republished, but removing the dead letter failed: ${describe(error)}`,
          });
        }
      }
    }
    options.onProgress?.(Math.min(start + chunkSize, letters.length), letters.length);
  }
  return { replayed, refused, failed };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
