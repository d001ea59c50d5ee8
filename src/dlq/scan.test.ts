import { describe, expect, it } from 'vitest';
import type { DeadLetterPuller, PulledMessage } from './pull-client.js';
import { DEFAULT_SCAN_OPTIONS, type ScanOptions, scanDeadLetters } from './scan.js';

interface Entry {
  readonly message: Omit<PulledMessage, 'ackId'>;
  ackId?: string;
  heldUntil: number;
  acked: boolean;
}

/**
 * A subscription in memory with Pub/Sub's lease rules: a pulled message is invisible until its
 * deadline passes (then redelivered with a new ack id); an ack or deadline change only counts
 * with the current ack id. Time advances by `pullAdvanceMs` per pull.
 */
class MemorySubscription implements DeadLetterPuller {
  readonly subscription = 'projects/p/subscriptions/dead-letter-inspect';
  readonly entries: Entry[];
  now = 0;
  deliveries = 0;
  pullAdvanceMs = 0;
  /** Answer immediate pulls with nothing, as real Pub/Sub may. */
  immediatePullsEmpty = false;
  failOnPull?: number;
  pulls = 0;

  constructor(count: number) {
    this.entries = Array.from({ length: count }, (_, i) => ({
      message: {
        messageId: `m${i + 1}`,
        publishTime: new Date(1_000 * (count - i)),
        data: Buffer.from(`d${i}`),
        attributes: {},
      },
      heldUntil: 0,
      acked: false,
    }));
  }

  async pull(max: number, waitMs: number): Promise<PulledMessage[]> {
    this.pulls += 1;
    if (this.pulls === this.failOnPull) throw new Error('UNAVAILABLE');
    const out: PulledMessage[] = [];
    if (!(waitMs === 0 && this.immediatePullsEmpty)) {
      for (const entry of this.available()) {
        if (out.length >= max) break;
        this.deliveries += 1;
        entry.ackId = `${entry.message.messageId}#${this.deliveries}`;
        entry.heldUntil = this.now + 10_000;
        out.push({ ...entry.message, ackId: entry.ackId });
      }
    }
    this.now += this.pullAdvanceMs;
    return out;
  }

  async modifyAckDeadline(ackIds: readonly string[], seconds: number) {
    for (const entry of this.current(ackIds)) entry.heldUntil = this.now + seconds * 1000;
  }

  async acknowledge(ackIds: readonly string[]) {
    for (const entry of this.current(ackIds)) entry.acked = true;
  }

  async close() {}

  available() {
    return this.entries.filter((e) => !e.acked && e.heldUntil <= this.now);
  }

  private current(ackIds: readonly string[]) {
    return this.entries.filter((e) => e.ackId !== undefined && ackIds.includes(e.ackId));
  }
}

const options = (overrides: Partial<ScanOptions> = {}): ScanOptions => ({
  ...DEFAULT_SCAN_OPTIONS,
  pageSize: 2,
  confirmEmptyMs: 0,
  ...overrides,
});

describe('scanDeadLetters', () => {
  it('reads the whole backlog in pages, holds it, and gives every message back on release', async () => {
    const sub = new MemorySubscription(5);
    const scan = await scanDeadLetters(sub, options());
    expect(scan.letters.map((l) => l.messageId)).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']); // oldest first
    expect(scan.capped).toBeUndefined();
    expect(sub.available()).toHaveLength(0);
    expect(await scan.release()).toBe(0);
    expect(sub.available()).toHaveLength(5);
    expect(sub.entries.some((e) => e.acked)).toBe(false);
  });

  it('stops at the cap, says so, and still gives back what it held', async () => {
    const sub = new MemorySubscription(5);
    const scan = await scanDeadLetters(sub, options({ maxMessages: 3 }));
    expect(scan.letters).toHaveLength(3);
    expect(scan.capped).toBe('messages');
    await scan.release();
    expect(sub.available()).toHaveLength(5);
  });

  it('keeps a message seen twice once, with its newest ack id, so acks still count', async () => {
    const sub = new MemorySubscription(5);
    sub.pullAdvanceMs = 600; // holds of 1 s lapse during the scan and messages come round again
    const scan = await scanDeadLetters(sub, options({ holdSeconds: 1 }));
    expect(sub.deliveries).toBeGreaterThan(5);
    expect(scan.letters.map((l) => l.messageId).sort()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    await scan.ack(scan.letters);
    expect(sub.entries.every((e) => e.acked)).toBe(true);
    await scan.release();
  });

  it('acks only the chosen letters; release gives back the rest', async () => {
    const sub = new MemorySubscription(4);
    const scan = await scanDeadLetters(sub, options());
    await scan.ack(scan.letters.filter((l) => l.messageId === 'm2'));
    await scan.release();
    expect(sub.entries.filter((e) => e.acked).map((e) => e.message.messageId)).toEqual(['m2']);
    expect(sub.available()).toHaveLength(3);
  });

  it('confirms an empty immediate pull with a waiting one (real Pub/Sub may answer nothing at once)', async () => {
    const sub = new MemorySubscription(3);
    sub.immediatePullsEmpty = true;
    const scan = await scanDeadLetters(sub, options({ confirmEmptyMs: 50 }));
    expect(scan.letters).toHaveLength(3);
    await scan.release();
  });

  it('stops early when the caller has enough', async () => {
    const sub = new MemorySubscription(6);
    const scan = await scanDeadLetters(sub, options({ enough: (letters) => letters.length >= 2 }));
    expect(scan.letters).toHaveLength(2);
    await scan.release();
  });

  it('gives back what it held when a pull fails, and rethrows', async () => {
    const sub = new MemorySubscription(6);
    sub.failOnPull = 2;
    await expect(scanDeadLetters(sub, options())).rejects.toThrow('UNAVAILABLE');
    expect(sub.available()).toHaveLength(6);
  });
});
