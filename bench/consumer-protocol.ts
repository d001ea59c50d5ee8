import type { FirestoreIo } from '../src/state/firestore-calls.js';

/** What the bench (parent) and a consumer child say to each other over the IPC channel. */

export type ConsumerKind = 'bare' | 'relay';

export interface ConsumerStart {
  readonly type: 'start';
  readonly kind: ConsumerKind;
  /** The relay's environment (the bare subscriber reads the Pub/Sub names from it too). */
  readonly env: Record<string, string>;
  /** Stop once this many distinct messages are settled for good (ack or dead-letter). */
  readonly expect: number;
  /** Memory and in-hand sampling period; 0 = no series. */
  readonly sampleMs: number;
  /** Keep every publish→settle latency (ms) and report percentiles. */
  readonly latencies: boolean;
  /** The relay's flow control; undefined = the worker's default. */
  readonly maxMessages?: number;
  /** Relay: after the last ack, wait at most this long for its dispatchers to empty the outbox. */
  readonly outboxWaitMs?: number;
}

export interface Sample {
  /** ms since the consumer started. */
  readonly t: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly inHand: number;
  readonly settled: number;
}

export interface ConsumerResult {
  readonly type: 'result';
  readonly kind: ConsumerKind;
  /** Distinct messages settled for good. */
  readonly settled: number;
  /** Every settlement, redeliveries included, by kind (ack, nack, dead-letter). */
  readonly settlements: Record<string, number>;
  /** Outcome counts of the first good settlement of each message: `channel:kind[:reason]`. */
  readonly outcomes: Record<string, number>;
  /** From the consumer being up to the last expected settlement (the last ack). */
  readonly elapsedMs: number;
  /** From the first settlement to the last. */
  readonly firstToLastMs: number;
  /** From the first message in hand to the last expected settlement: throughput is based on this. */
  readonly receivingMs: number;
  /**
   * process.cpuUsage, user + system, from the start to the last ack (bare) or to the outbox
   * emptied (relay: the dispatchers' work for these findings included).
   */
  readonly cpuS: number;
  /** process.cpuUsage from the start to the last ack. */
  readonly ackCpuS: number;
  /** Peak RSS until the last ack (bare) or the outbox emptied (relay). */
  readonly peakRssMb: number;
  /** The consumer's event-loop delay (perf_hooks, 10 ms resolution) over the same span, ms. */
  readonly eventLoopDelayMs: { p50: number; p99: number; max: number };
  readonly samples: Sample[];
  /** publish→settle (ack) percentiles (ms), when asked. */
  readonly latencyMs?: Percentiles;
  /** Relay: from the first message in hand until its dispatchers had emptied the outbox. */
  readonly outboxDrainedMs?: number;
  /** Relay: outbox entries still queued when it stopped (0 unless the wait timed out). */
  readonly outboxLeft?: number;
  /**
   * Relay: committed state transactions of the process, by operation (open included): sqlite
   * transactions, or Firestore commits.
   */
  readonly stateTransactions?: Record<string, number>;
  /** Relay on Firestore: commits, document writes, reads and conflict retries of the process, by operation. */
  readonly firestoreIo?: Record<string, FirestoreIo>;
  /**
   * Relay, when latencies are asked: Pub/Sub publish time → the Slack delivery recorded done
   * (its `finished_at`, written right after the webhook answered), of findings posted.
   */
  readonly postLatencyMs?: Percentiles;
  /** Set when the consumer stopped without reaching `expect`. */
  readonly error?: string;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

export type ConsumerMessage = { type: 'ready' } | ConsumerResult;
