import { runConsumer } from '../consumer-runs.js';
import type { Corpus } from '../corpus.js';
import type { BenchContext } from '../scenario.js';
import { round } from '../stats.js';

export interface LatencyRun {
  readonly slackWindowMs: number;
  readonly offeredPerS: number;
  readonly achievedPerS: number;
  readonly published: number;
  /** publish time (Pub/Sub's) → the message settled in the relay (onSettled), ms. */
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly settled: number;
  readonly deliveriesPerFinding: number;
  readonly slackMessages: number;
  readonly settlements: Record<string, number>;
  readonly outcomes: Record<string, number>;
}

export interface LatencyFigures {
  readonly perSecond: number;
  readonly seconds: number;
  readonly runs: LatencyRun[];
}

export interface LatencyOptions {
  readonly perSecond: number;
  readonly seconds: number;
  readonly windowsMs: readonly number[];
  readonly relayEnv: Record<string, string>;
  readonly log: (line: string) => void;
}

/** Part 2: the relay runs first; findings are offered at a fixed rate; each window setting in turn. */
export async function runLatency(
  ctx: BenchContext,
  corpus: Corpus,
  options: LatencyOptions,
): Promise<LatencyFigures> {
  const runs: LatencyRun[] = [];
  for (const windowMs of options.windowsMs) {
    const run = await runConsumer(ctx, 'relay', corpus.messages, {
      env: { ...options.relayEnv, SLACK_BATCH_WINDOW_MS: String(windowMs) },
      paced: { perSecond: options.perSecond, seconds: options.seconds },
      latencies: true,
    });
    const latency = run.consumer.latencyMs!;
    const deliveries = Object.values(run.consumer.settlements).reduce((a, b) => a + b, 0);
    runs.push({
      slackWindowMs: windowMs,
      offeredPerS: options.perSecond,
      achievedPerS: round(run.paced?.achievedPerSecond ?? 0, 1),
      published: run.published,
      p50Ms: latency.p50,
      p95Ms: latency.p95,
      p99Ms: latency.p99,
      maxMs: latency.max,
      settled: run.consumer.settled,
      deliveriesPerFinding: round(deliveries / run.published, 3),
      slackMessages: run.outbound.slackMessages,
      settlements: run.consumer.settlements,
      outcomes: run.consumer.outcomes,
    });
    options.log(`latency window ${windowMs} ms: p50 ${latency.p50} ms, p99 ${latency.p99} ms`);
  }
  return { perSecond: options.perSecond, seconds: options.seconds, runs };
}
