import type { FirestoreIo } from '../../src/state/firestore-calls.js';
import type { BenchState } from '../args.js';
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
  /** Rows per table of the state file (documents per collection on Firestore) after the run, and its size (0 on Firestore). */
  readonly stateRows: Record<string, number>;
  readonly stateFileMb: number;
  /** Relay on Firestore only: what its backend sent, per 1,000 findings. */
  readonly firestore?: FirestoreRunFigures;
}

/** A relay run on Firestore (`--state firestore`), per 1,000 findings; its commits are also its stateTxPer1k. */
export interface FirestoreRunFigures {
  readonly commitsPer1k: number;
  /** Documents written (creates, updates, deletes, counter increments). */
  readonly writesPer1k: number;
  /** Documents read as billed: every document a get asked for, every one a query returned, 1 per empty query. */
  readonly readsPer1k: number;
  /** Commits read and built again after a conflict. */
  readonly retriesPer1k: number;
  readonly byOpPer1k: Record<string, FirestoreIo>;
  /** The Firestore emulator's CPU while the relay ran, per 1,000 findings, and its memory after. */
  readonly emulatorCpuSPer1k: number;
  readonly emulatorRssMb: number;
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
  /** Relay on Firestore only. */
  readonly firestoreCommitsPer1k?: Spread;
  readonly firestoreWritesPer1k?: Spread;
  readonly firestoreReadsPer1k?: Spread;
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
  /** `--state firestore`: the relay on the Firestore emulator, run right after the sqlite relay of each repetition. */
  readonly firestore?: ConsumerFigures;
  /** Its findings/s ÷ the bare subscriber's of the same repetition. */
  readonly firestoreRatio?: Spread;
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
            ...(c.firestoreIo ? { firestore: firestoreFigures(run, c.firestoreIo) } : {}),
          },
        }
      : {}),
  };
}

function firestoreFigures(run: ConsumerRun, byOp: Record<string, FirestoreIo>): FirestoreRunFigures {
  const per1k = (x: number) => round((x / run.published) * 1000, 2);
  const total = { commits: 0, writes: 0, reads: 0, retries: 0 };
  for (const io of Object.values(byOp)) {
    total.commits += io.commits;
    total.writes += io.writes;
    total.reads += io.reads;
    total.retries += io.retries;
  }
  return {
    commitsPer1k: per1k(total.commits),
    writesPer1k: per1k(total.writes),
    readsPer1k: per1k(total.reads),
    retriesPer1k: per1k(total.retries),
    byOpPer1k: Object.fromEntries(
      Object.entries(byOp)
        .sort((a, b) => b[1].writes + b[1].reads - (a[1].writes + a[1].reads))
        .map(([op, io]) => [
          op,
          {
            commits: per1k(io.commits),
            writes: per1k(io.writes),
            reads: per1k(io.reads),
            retries: per1k(io.retries),
          },
        ]),
    ),
    emulatorCpuSPer1k: per1k(run.firestoreEmulator?.cpuS ?? 0),
    emulatorRssMb: run.firestoreEmulator?.rssMb ?? 0,
  };
}

function summarise(runs: RunFigures[]): ConsumerFigures {
  const relay = runs.flatMap((r) => (r.relay ? [r.relay] : []));
  const firestore = relay.flatMap((r) => (r.firestore ? [r.firestore] : []));
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
    ...(firestore.length
      ? {
          firestoreCommitsPer1k: spread(firestore.map((f) => f.commitsPer1k)),
          firestoreWritesPer1k: spread(firestore.map((f) => f.writesPer1k)),
          firestoreReadsPer1k: spread(firestore.map((f) => f.readsPer1k)),
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
  /** `firestore`: each repetition also runs the relay on the Firestore emulator (ctx.firestore). */
  readonly state?: BenchState;
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
  const firestore: RunFigures[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    const b = figuresOf(await runConsumer(ctx, 'bare', corpus.messages));
    bare.push(b);
    options.log(`ceiling rep ${rep}: bare ${b.findingsPerS}/s`);
    const run = await runConsumer(ctx, 'relay', corpus.messages, { env: options.relayEnv });
    relayRuns.push(run);
    options.log(`ceiling rep ${rep}: relay ${figuresOf(run).findingsPerS}/s`);
    if (options.state === 'firestore') {
      const f = figuresOf(
        await runConsumer(ctx, 'relay', corpus.messages, { env: options.relayEnv, state: 'firestore' }),
      );
      firestore.push(f);
      options.log(
        `ceiling rep ${rep}: relay on Firestore ${f.findingsPerS}/s, ${f.relay?.firestore?.commitsPer1k} commits and ${f.relay?.firestore?.writesPer1k} document writes / 1k`,
      );
    }
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
      ...(firestore.length
        ? {
            firestore: summarise(firestore),
            firestoreRatio: spread(firestore.map((r, i) => round(r.findingsPerS / bare[i]!.findingsPerS, 4))),
          }
        : {}),
    },
    relayRuns,
  };
}
