import type { Sample } from '../consumer-protocol.js';
import { type ConsumerRun, runConsumer } from '../consumer-runs.js';
import type { Corpus } from '../corpus.js';
import type { BenchContext } from '../scenario.js';
import { downsample, round } from '../stats.js';

/** The bare subscriber (ack only) on a backlog of the same size and corpus. */
export interface BareBacklogFigures {
  readonly drainS: number;
  readonly findingsPerS: number;
  readonly peakRssMb: number;
  readonly maxInHand: number;
  readonly deliveriesPerFinding: number;
  readonly settled: number;
}

export interface BacklogFigures {
  readonly n: number;
  readonly publishS: number;
  /** From the relay process being up to the last finding acked. */
  readonly drainS: number;
  /** n ÷ drainS (the bare subscriber's is measured the same way). */
  readonly findingsPerS: number;
  /** From the first message in hand until the relay's dispatchers had emptied the outbox. */
  readonly outboxDrainedS: number;
  readonly outboxLeft: number;
  /** The relay process alone, until its outbox was empty (it runs as a child; the publisher is the bench process). */
  readonly peakRssMb: number;
  readonly maxInHand: number;
  readonly deliveriesPerFinding: number;
  readonly cpuSPer1k: number;
  readonly stateTxPer1k: number;
  /** The relay's sqlite file (with its WAL) after the run, and its rows per table. */
  readonly stateFileMb: number;
  readonly stateRows: Record<string, number>;
  readonly emulatorRssMbAfter: number;
  /** Every ~250 ms sample, thinned to at most 40 points (the peak kept). */
  readonly series: Sample[];
  readonly settled: number;
  readonly settlements: Record<string, number>;
  readonly outcomes: Record<string, number>;
  readonly bare: BareBacklogFigures;
  /** relay / bare: findings/s (target ≥ 0.5) and peak RSS (target ≤ 1.5). */
  readonly ratio: { findingsPerS: number; peakRssMb: number };
}

const deliveriesOf = (run: ConsumerRun) =>
  round(Object.values(run.consumer.settlements).reduce((a, b) => a + b, 0) / run.published, 3);
const maxInHandOf = (run: ConsumerRun) => Math.max(0, ...run.consumer.samples.map((s) => s.inHand));

/**
 * Part 3: the whole backlog is published before the consumer starts, once for the bare
 * subscriber and once for the relay (each its own topic); memory and in-hand while they drain.
 */
export async function runBacklog(
  ctx: BenchContext,
  corpus: Corpus,
  options: { relayEnv: Record<string, string>; sampleMs: number; log: (line: string) => void },
): Promise<BacklogFigures> {
  const bareRun = await runConsumer(ctx, 'bare', corpus.messages, { sampleMs: options.sampleMs });
  const b = bareRun.consumer;
  const bare: BareBacklogFigures = {
    drainS: round(b.elapsedMs / 1000, 1),
    findingsPerS: round(bareRun.published / (b.elapsedMs / 1000), 1),
    peakRssMb: b.peakRssMb,
    maxInHand: maxInHandOf(bareRun),
    deliveriesPerFinding: deliveriesOf(bareRun),
    settled: b.settled,
  };
  options.log(`backlog: bare ${bare.findingsPerS}/s, peak RSS ${bare.peakRssMb} MB`);
  const run = await runConsumer(ctx, 'relay', corpus.messages, {
    env: options.relayEnv,
    sampleMs: options.sampleMs,
  });
  const c = run.consumer;
  const census = run.census!;
  const findingsPerS = round(run.published / (c.elapsedMs / 1000), 1);
  const tx = Object.values(c.stateTransactions ?? {}).reduce((x, y) => x + y, 0);
  options.log(`backlog: relay ${findingsPerS}/s, peak RSS ${c.peakRssMb} MB`);
  return {
    n: run.published,
    publishS: round(run.publishS, 2),
    drainS: round(c.elapsedMs / 1000, 1),
    findingsPerS,
    outboxDrainedS: round((c.outboxDrainedMs ?? Number.NaN) / 1000, 1),
    outboxLeft: census.outboxLeft,
    peakRssMb: c.peakRssMb,
    maxInHand: maxInHandOf(run),
    deliveriesPerFinding: deliveriesOf(run),
    cpuSPer1k: round((c.cpuS / run.published) * 1000, 3),
    stateTxPer1k: round((tx / run.published) * 1000, 1),
    stateFileMb: round(census.fileMb + census.walMb, 2),
    stateRows: census.rows,
    emulatorRssMbAfter: run.emulator.rssMb,
    series: downsample(c.samples, 40, (s) => s.rssMb),
    settled: c.settled,
    settlements: c.settlements,
    outcomes: run.outcomes,
    bare,
    ratio: {
      findingsPerS: round(findingsPerS / bare.findingsPerS, 3),
      peakRssMb: round(c.peakRssMb / bare.peakRssMb, 3),
    },
  };
}
