import { type ConsumerRun, runConsumer } from '../consumer-runs.js';
import type { Corpus } from '../corpus.js';
import type { BenchContext } from '../scenario.js';
import { round, type Spread, spread } from '../stats.js';

/** One consumer run, as figures. */
export interface RunFigures {
  /** Findings ÷ time from the first message in hand to the last settled = acked (startup excluded). */
  readonly findingsPerS: number;
  /**
   * process.cpuUsage of the consumer process per 1,000 findings (user + system, all threads):
   * to the last ack (bare), to the outbox emptied (relay: its dispatchers' work included).
   */
  readonly cpuSPer1k: number;
  /** The same, up to the last ack only. */
  readonly ackCpuSPer1k: number;
  /** The emulator's CPU per 1,000 findings while the consumer ran. */
  readonly emulatorCpuSPer1k: number;
  /** From the consumer process being up (subscribing included) to the last settled. */
  readonly elapsedS: number;
  /** Deliveries (Pub/Sub redeliveries included) per finding. */
  readonly deliveriesPerFinding: number;
  readonly peakRssMb: number;
  readonly settled: number;
  readonly settlements: Record<string, number>;
  /** Final outcome per finding and channel (relay: `queued` at the ack replaced by the dispatcher's). */
  readonly outcomes: Record<string, number>;
  /** Relay only: the rest of this interface. */
  readonly relay?: RelayRunFigures;
}

export interface RelayRunFigures {
  /** Findings ÷ time from the first message in hand until the dispatchers had emptied the outbox. */
  readonly outboxDrainedPerS: number;
  readonly outboxLeft: number;
  /** Committed sqlite transactions of the relay process per 1,000 findings, in all and by operation. */
  readonly stateTxPer1k: number;
  readonly stateTxPer1kByOp: Record<string, number>;
  /** What the acks said (`queued` = waiting in the outbox at the ack). */
  readonly ackOutcomes: Record<string, number>;
  /** Rows per table of the state file after the run, and its size. */
  readonly stateRows: Record<string, number>;
  readonly stateFileMb: number;
}

export interface ConsumerFigures {
  readonly findingsPerS: Spread;
  readonly cpuSPer1k: Spread;
  readonly ackCpuSPer1k: Spread;
  readonly emulatorCpuSPer1k: Spread;
  readonly deliveriesPerFinding: Spread;
  /** Relay only. */
  readonly outboxDrainedPerS?: Spread;
  readonly stateTxPer1k?: Spread;
  readonly perRep: RunFigures[];
}

export interface CeilingFigures {
  readonly n: number;
  readonly reps: number;
  /** SLACK_BATCH_WINDOW_MS of the relay runs ('default' = the product default, 5000). */
  readonly relaySlackWindowMs: number | 'default';
  readonly bare: ConsumerFigures;
  readonly relay: ConsumerFigures;
  /** relay findings/s ÷ bare findings/s, per repetition (both measured back to back). */
  readonly ratio: Spread;
}

export function figuresOf(run: ConsumerRun): RunFigures {
  const c = run.consumer;
  const per1k = (x: number) => round((x / run.published) * 1000, 3);
  const deliveries = Object.values(c.settlements).reduce((a, b) => a + b, 0);
  const tx = c.stateTransactions;
  return {
    findingsPerS: round(run.published / (c.receivingMs / 1000), 1),
    cpuSPer1k: per1k(c.cpuS),
    ackCpuSPer1k: per1k(c.ackCpuS),
    emulatorCpuSPer1k: per1k(run.emulator.cpuS),
    elapsedS: round(c.elapsedMs / 1000, 2),
    deliveriesPerFinding: round(deliveries / run.published, 3),
    peakRssMb: c.peakRssMb,
    settled: c.settled,
    settlements: c.settlements,
    outcomes: run.outcomes,
    ...(run.census && tx && c.outboxDrainedMs !== undefined
      ? {
          relay: {
            outboxDrainedPerS: round(run.published / (c.outboxDrainedMs / 1000), 1),
            outboxLeft: run.census.outboxLeft,
            stateTxPer1k: per1k(Object.values(tx).reduce((a, b) => a + b, 0)),
            stateTxPer1kByOp: Object.fromEntries(
              Object.entries(tx)
                .sort((a, b) => b[1] - a[1])
                .map(([op, n]) => [op, per1k(n)]),
            ),
            ackOutcomes: c.outcomes,
            stateRows: run.census.rows,
            stateFileMb: round(run.census.fileMb + run.census.walMb, 2),
          },
        }
      : {}),
  };
}

function summarise(runs: RunFigures[]): ConsumerFigures {
  const relay = runs.flatMap((r) => (r.relay ? [r.relay] : []));
  return {
    findingsPerS: spread(runs.map((r) => r.findingsPerS)),
    cpuSPer1k: spread(runs.map((r) => r.cpuSPer1k)),
    ackCpuSPer1k: spread(runs.map((r) => r.ackCpuSPer1k)),
    emulatorCpuSPer1k: spread(runs.map((r) => r.emulatorCpuSPer1k)),
    deliveriesPerFinding: spread(runs.map((r) => r.deliveriesPerFinding)),
    ...(relay.length
      ? {
          outboxDrainedPerS: spread(relay.map((r) => r.outboxDrainedPerS)),
          stateTxPer1k: spread(relay.map((r) => r.stateTxPer1k)),
        }
      : {}),
    perRep: runs,
  };
}

export interface CeilingOptions {
  readonly reps: number;
  readonly relayEnv: Record<string, string>;
  /** A profiled relay run after the measured ones (not counted): --cpu-prof into this directory. */
  readonly profileDir?: string;
  readonly log: (line: string) => void;
}

/**
 * Part 1: per repetition, the bare subscriber and then the relay each drain the same corpus from
 * a fresh subscription. Returns the figures and the relay runs (outbound efficiency reuses them).
 */
export async function runCeiling(
  ctx: BenchContext,
  corpus: Corpus,
  options: CeilingOptions,
): Promise<{ figures: CeilingFigures; relayRuns: ConsumerRun[] }> {
  const bare: RunFigures[] = [];
  const relayRuns: ConsumerRun[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    const b = figuresOf(await runConsumer(ctx, 'bare', corpus.messages));
    bare.push(b);
    options.log(`ceiling rep ${rep}: bare ${b.findingsPerS}/s`);
    const run = await runConsumer(ctx, 'relay', corpus.messages, { env: options.relayEnv });
    relayRuns.push(run);
    options.log(`ceiling rep ${rep}: relay ${figuresOf(run).findingsPerS}/s`);
  }
  if (options.profileDir) {
    await runConsumer(ctx, 'relay', corpus.messages, {
      env: options.relayEnv,
      profileDir: options.profileDir,
    });
    options.log('ceiling: profiled relay run done');
  }
  const relay = relayRuns.map(figuresOf);
  return {
    figures: {
      n: corpus.messages.length,
      reps: options.reps,
      relaySlackWindowMs: options.relayEnv.SLACK_BATCH_WINDOW_MS
        ? Number(options.relayEnv.SLACK_BATCH_WINDOW_MS)
        : 'default',
      bare: summarise(bare),
      relay: summarise(relay),
      ratio: spread(relay.map((r, i) => round(r.findingsPerS / bare[i]!.findingsPerS, 4))),
    },
    relayRuns,
  };
}
