import { runConsumer } from '../consumer-runs.js';
import type { Corpus } from '../corpus.js';
import type { BenchContext } from '../scenario.js';
import { round } from '../stats.js';

export interface LatencyRun {
  readonly slackWindowMs: number;
  readonly offeredPerS: number;
  readonly achievedPerS: number;
  readonly published: number;
  /** Pub/Sub publish time → the message acked by the relay (onSettled), ms. */
  readonly ackP50Ms: number;
  readonly ackP95Ms: number;
  readonly ackP99Ms: number;
  readonly ackMaxMs: number;
  /**
   * Pub/Sub publish time → its Slack delivery recorded done by the dispatcher (`finished_at`,
   * written right after the webhook answered), ms, over `postCount` findings posted.
   */
  readonly postP50Ms: number;
  readonly postP95Ms: number;
  readonly postP99Ms: number;
  readonly postMaxMs: number;
  readonly postCount: number;
  /** The target for postP99Ms: the window + 1.5 s. */
  readonly postTargetMs: number;
  readonly settled: number;
  readonly deliveriesPerFinding: number;
  readonly slackMessages: number;
  /** Committed state transactions per 1,000 findings (the dispatchers' polling included). */
  readonly stateTxPer1k: number;
  readonly cpuSPer1k: number;
  /** The relay process's event-loop delay over the run (10 ms resolution), ms. */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly settlements: Record<string, number>;
  /** Final outcomes (the acks' `queued` replaced by the dispatchers' outcomes). */
  readonly outcomes: Record<string, number>;
}

export interface LatencyFigures {
  readonly perSecond: number;
  readonly seconds: number;
  /** The bare subscriber (ack at once) at the same rate: the floor of publish → ack here. */
  readonly bare: { ackP50Ms: number; ackP99Ms: number; ackMaxMs: number; eventLoopDelayP99Ms: number };
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
  const paced = { perSecond: options.perSecond, seconds: options.seconds };
  const bareRun = await runConsumer(ctx, 'bare', corpus.messages, { paced, latencies: true });
  const bareAck = bareRun.consumer.latencyMs!;
  const bare = {
    ackP50Ms: bareAck.p50,
    ackP99Ms: bareAck.p99,
    ackMaxMs: bareAck.max,
    eventLoopDelayP99Ms: bareRun.consumer.eventLoopDelayMs.p99,
  };
  options.log(`latency bare subscriber: ack p50 ${bareAck.p50} / p99 ${bareAck.p99} ms`);
  const runs: LatencyRun[] = [];
  for (const windowMs of options.windowsMs) {
    const run = await runConsumer(ctx, 'relay', corpus.messages, {
      env: { ...options.relayEnv, SLACK_BATCH_WINDOW_MS: String(windowMs) },
      paced,
      latencies: true,
    });
    const ack = run.consumer.latencyMs!;
    const post = run.consumer.postLatencyMs!;
    const deliveries = Object.values(run.consumer.settlements).reduce((a, b) => a + b, 0);
    const tx = Object.values(run.consumer.stateTransactions ?? {}).reduce((a, b) => a + b, 0);
    runs.push({
      slackWindowMs: windowMs,
      offeredPerS: options.perSecond,
      achievedPerS: round(run.paced?.achievedPerSecond ?? 0, 1),
      published: run.published,
      ackP50Ms: ack.p50,
      ackP95Ms: ack.p95,
      ackP99Ms: ack.p99,
      ackMaxMs: ack.max,
      postP50Ms: post.p50,
      postP95Ms: post.p95,
      postP99Ms: post.p99,
      postMaxMs: post.max,
      postCount: post.count,
      postTargetMs: windowMs + 1_500,
      settled: run.consumer.settled,
      deliveriesPerFinding: round(deliveries / run.published, 3),
      slackMessages: run.outbound.slackMessages,
      stateTxPer1k: round((tx / run.published) * 1000, 1),
      cpuSPer1k: round((run.consumer.cpuS / run.published) * 1000, 3),
      eventLoopDelayP99Ms: run.consumer.eventLoopDelayMs.p99,
      eventLoopDelayMaxMs: run.consumer.eventLoopDelayMs.max,
      settlements: run.consumer.settlements,
      outcomes: run.outcomes,
    });
    options.log(
      `latency window ${windowMs} ms: ack p99 ${ack.p99} ms, post p50 ${post.p50} / p99 ${post.p99} ms (${post.count} posted)`,
    );
  }
  return { perSecond: options.perSecond, seconds: options.seconds, bare, runs };
}
