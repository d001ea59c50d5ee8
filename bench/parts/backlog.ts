import type { Sample } from '../consumer-protocol.js';
import { runConsumer } from '../consumer-runs.js';
import type { Corpus } from '../corpus.js';
import type { BenchContext } from '../scenario.js';
import { downsample, round } from '../stats.js';

export interface BacklogFigures {
  readonly n: number;
  readonly publishS: number;
  /** From the relay process being up to the last finding settled. */
  readonly drainS: number;
  readonly findingsPerS: number;
  /** The relay process alone (it runs as a child; the publisher is the bench process). */
  readonly peakRssMb: number;
  readonly maxInHand: number;
  readonly deliveriesPerFinding: number;
  readonly emulatorRssMbAfter: number;
  /** Every ~250 ms sample, thinned to at most 40 points (the peak kept). */
  readonly series: Sample[];
  readonly settled: number;
  readonly settlements: Record<string, number>;
  readonly outcomes: Record<string, number>;
}

/** Part 3: the whole backlog is published before the relay starts; memory and in-hand while it drains. */
export async function runBacklog(
  ctx: BenchContext,
  corpus: Corpus,
  options: { relayEnv: Record<string, string>; sampleMs: number },
): Promise<BacklogFigures> {
  const run = await runConsumer(ctx, 'relay', corpus.messages, {
    env: options.relayEnv,
    sampleMs: options.sampleMs,
  });
  const c = run.consumer;
  const deliveries = Object.values(c.settlements).reduce((a, b) => a + b, 0);
  return {
    n: run.published,
    publishS: round(run.publishS, 2),
    drainS: round(c.elapsedMs / 1000, 1),
    findingsPerS: round(run.published / (c.elapsedMs / 1000), 1),
    peakRssMb: c.peakRssMb,
    maxInHand: Math.max(0, ...c.samples.map((s) => s.inHand)),
    deliveriesPerFinding: round(deliveries / run.published, 3),
    emulatorRssMbAfter: run.emulator.rssMb,
    series: downsample(c.samples, 40, (s) => s.rssMb),
    settled: c.settled,
    settlements: c.settlements,
    outcomes: c.outcomes,
  };
}
