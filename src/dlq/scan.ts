import { type DeadLetter, toDeadLetter } from './dead-letter-record.js';
import type { DeadLetterPuller, PulledMessage } from './pull-client.js';

export interface ScanOptions {
  /** The scan cap: stop after this many distinct messages (and say so). */
  readonly maxMessages: number;
  /** Stop once the held data reaches this many bytes (a backlog of oversized messages). */
  readonly maxBytes: number;
  /** Messages asked for per pull (the emulator returns at most 100). */
  readonly pageSize: number;
  /** Ack deadline the scanned messages are held with, renewed until they are given back. */
  readonly holdSeconds: number;
  /**
   * After an immediate pull brings nothing, one more pull that may wait this long, because
   * real Pub/Sub may answer an immediate pull with nothing while messages exist. 0 trusts the
   * immediate pull (the emulator's answer is exact).
   */
  readonly confirmEmptyMs: number;
  /** Stop early once this holds for what was found (e.g. `list --limit`, every `--id` found). */
  readonly enough?: (letters: readonly DeadLetter[]) => boolean;
  readonly signal?: AbortSignal;
}

/** Consecutive pages with nothing new after which the scan ends. */
const MAX_IDLE_PAGES = 3;

export const DEFAULT_SCAN_OPTIONS: ScanOptions = {
  maxMessages: 10_000,
  maxBytes: 256 * 1024 * 1024,
  pageSize: 1_000,
  holdSeconds: 60,
  confirmEmptyMs: 2_000,
};

/** The scanned dead letters, held (invisible to other pulls) until acked or released. */
export interface HeldScan {
  /** Distinct by message id, oldest first. */
  readonly letters: readonly DeadLetter[];
  /** Set when the scan stopped at its cap, so more may remain unseen. */
  readonly capped: 'messages' | 'bytes' | undefined;
  /** Removes these from the subscription (for good). Throws when the ack request fails. */
  ack(letters: readonly DeadLetter[]): Promise<void>;
  /**
   * Gives every letter still held back at once (ack deadline 0) and stops renewing. Never throws:
   * resolves with how many could not be given back (they return by themselves within holdSeconds).
   */
  release(): Promise<number>;
}

/**
 * Reads the backlog without consuming it: pulls page after page, holding each message (so the
 * next pull returns new ones) until a pull brings nothing (or only repeats) or a cap is reached. A message
 * seen twice (its hold lapsed) is kept once, with its newest ack id. Call release() when done.
 */
export async function scanDeadLetters(puller: DeadLetterPuller, options: ScanOptions): Promise<HeldScan> {
  const held = new Map<string, DeadLetter>();
  let bytes = 0;
  let capped: HeldScan['capped'];
  let idlePages = 0;
  const renewEveryMs = Math.max(1_000, (options.holdSeconds * 1000) / 3);
  const renewal = setInterval(() => {
    void puller.modifyAckDeadline(ackIdsOf(held.values()), options.holdSeconds).catch(() => undefined);
  }, renewEveryMs);
  renewal.unref();

  const absorb = async (page: PulledMessage[]): Promise<number> => {
    let fresh = 0;
    for (const message of page) {
      if (!held.has(message.messageId)) {
        fresh += 1;
        bytes += message.data.byteLength;
      }
      held.set(message.messageId, toDeadLetter(message));
    }
    // The subscription's own deadline may be shorter than the scan: hold explicitly.
    if (page.length > 0) await puller.modifyAckDeadline(ackIdsOf(page), options.holdSeconds);
    return fresh;
  };

  const release = async (): Promise<number> => {
    clearInterval(renewal);
    const ackIds = ackIdsOf(held.values());
    held.clear();
    try {
      await puller.modifyAckDeadline(ackIds, 0);
      return 0;
    } catch {
      return ackIds.length;
    }
  };

  try {
    while (!options.signal?.aborted) {
      if (held.size >= options.maxMessages) {
        capped = 'messages';
        break;
      }
      if (bytes >= options.maxBytes) {
        capped = 'bytes';
        break;
      }
      const want = Math.min(options.pageSize, options.maxMessages - held.size);
      let page = await puller.pull(want, 0);
      if (page.length === 0 && options.confirmEmptyMs > 0)
        page = await puller.pull(want, options.confirmEmptyMs);
      if (page.length === 0) break;
      // Pages of messages already seen mean holds lapsed and the backlog came round again.
      idlePages = (await absorb(page)) === 0 ? idlePages + 1 : 0;
      if (idlePages >= MAX_IDLE_PAGES) break;
      if (options.enough?.([...held.values()])) break;
    }
  } catch (error) {
    await release();
    throw error;
  }

  const letters = [...held.values()].sort((a, b) => a.publishTime.getTime() - b.publishTime.getTime());
  return {
    letters,
    capped,
    async ack(chosen) {
      const ackIds = chosen.flatMap((letter) => {
        const current = held.get(letter.messageId);
        return current ? [current.ackId] : [];
      });
      await puller.acknowledge(ackIds);
      for (const letter of chosen) held.delete(letter.messageId);
    },
    release,
  };
}

function ackIdsOf(messages: Iterable<{ readonly ackId: string }>): string[] {
  return Array.from(messages, (message) => message.ackId);
}
