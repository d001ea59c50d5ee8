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
  /** From the consumer being up to the last expected settlement. */
  readonly elapsedMs: number;
  /** From the first settlement to the last. */
  readonly firstToLastMs: number;
  /** From the first message in hand to the last expected settlement: throughput is based on this. */
  readonly receivingMs: number;
  /** process.cpuUsage over elapsedMs, user + system. */
  readonly cpuS: number;
  readonly peakRssMb: number;
  readonly samples: Sample[];
  /** publish→settle percentiles (ms), when asked. */
  readonly latencyMs?: { p50: number; p95: number; p99: number; max: number; count: number };
  /** Set when the consumer stopped without reaching `expect`. */
  readonly error?: string;
}

export type ConsumerMessage = { type: 'ready' } | ConsumerResult;
