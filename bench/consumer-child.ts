/**
 * A consumer in its own process, so its CPU time, memory and CPU profile are its own: either the
 * whole relay (composeWorker, exactly as `finding-relay worker` wires it, logging at LOG_LEVEL to
 * this process's stdout) or a bare subscriber with the same client and flow control that only
 * acks. Started by consumer.ts with an IPC channel; reports one ConsumerResult and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeWorker } from '../src/app/compose.js';
import { CHANNELS } from '../src/channels/types.js';
import { loadConfig } from '../src/config/load.js';
import { createPubSubClient } from '../src/pubsub/client.js';
import { openSubscriber } from '../src/pubsub/subscriber.js';
import { type FirestoreIo, firestoreIoByOp } from '../src/state/firestore-calls.js';
import { committedTransactions } from '../src/state/sqlite-connection.js';
import type {
  ConsumerMessage,
  ConsumerResult,
  ConsumerStart,
  Percentiles,
  Sample,
} from './consumer-protocol.js';
import { benchFirestoreClient, queuedInFirestore } from './state-census.js';
import { percentile, round } from './stats.js';

/** The worker's defaults (src/app/worker.ts): the bare subscriber uses the very same flow control. */
const WORKER_MAX_MESSAGES = 1000;
const WORKER_MAX_BYTES = 64 * 1024 * 1024;

interface Consumer {
  inHand(): number;
  stop(): Promise<void>;
}

/** The relay's state: its sqlite file (STATE_URI sqlite:///abs/path.db), or its emulator project. */
type RelayStateAt =
  | { readonly backend: 'sqlite'; readonly file: string }
  | { readonly backend: 'firestore'; readonly host: string; readonly projectId: string };

function stateOf(env: Record<string, string>): RelayStateAt {
  const uri = env.STATE_URI;
  if (uri?.startsWith('sqlite:///')) return { backend: 'sqlite', file: uri.slice('sqlite://'.length) };
  const firestore = /^firestore:\/\/([^/]+)\/\(default\)$/.exec(uri ?? '');
  if (firestore && env.FIRESTORE_EMULATOR_HOST)
    return { backend: 'firestore', host: env.FIRESTORE_EMULATOR_HOST, projectId: firestore[1]! };
  throw new Error(
    `the bench relay needs STATE_URI=sqlite:///… or firestore://PROJECT/(default) with FIRESTORE_EMULATOR_HOST, got ${uri}`,
  );
}

/**
 * Entries still queued, read on a connection (or client) of the bench's own, outside the relay's
 * state module: polling it is not counted among the relay's state transactions or Firestore reads.
 */
async function openQueuedCount(
  at: RelayStateAt,
): Promise<{ read(): Promise<number>; close(): Promise<void> }> {
  if (at.backend === 'sqlite') {
    const db = new DatabaseSync(at.file, { readOnly: true, timeout: 1_000 });
    const statement = db.prepare('SELECT coalesce(sum(items), 0) AS n FROM outbox_counts');
    return {
      read: async () => Number((statement.get() as { n: number }).n),
      close: async () => db.close(),
    };
  }
  const db = benchFirestoreClient(at.host, at.projectId);
  return { read: () => queuedInFirestore(db), close: () => db.terminate() };
}

const percentilesOf = (sorted: readonly number[]): Percentiles => ({
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
  max: sorted.at(-1) ?? Number.NaN,
  count: sorted.length,
});

const send = (message: ConsumerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(message, () => resolve());
  });

async function run(start: ConsumerStart): Promise<void> {
  const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const settledIds = new Set<string>();
  const settlements: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const latencies: number[] = [];
  /** Latency runs: finding id → Pub/Sub publish time (ms), for publish → Slack post. */
  const publishedAt = new Map<string, number>();
  const transactionsAtStart = committedTransactions();
  const firestoreAtStart = firestoreIoByOp();
  const samples: Sample[] = [];
  let firstSettledAt: number | undefined;
  let firstReceivedAt: number | undefined;
  let peakRss = process.memoryUsage.rss();
  let consumer: Consumer | undefined;
  let stateAt: RelayStateAt | undefined;
  let finished: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const settledForGood = (id: string) => {
    if (settledIds.has(id)) return false;
    settledIds.add(id);
    firstSettledAt ??= performance.now();
    if (settledIds.size >= start.expect) finished?.();
    return true;
  };
  const count = (into: Record<string, number>, key: string) => {
    into[key] = (into[key] ?? 0) + 1;
  };

  if (start.kind === 'bare') {
    const env = start.env;
    const pubsub = createPubSubClient({
      projectId: env.GOOGLE_CLOUD_PROJECT,
      emulatorHost: env.PUBSUB_EMULATOR_HOST,
    });
    const subscriber = openSubscriber(
      pubsub,
      env.FINDINGS_SUBSCRIPTION!,
      {
        maxMessages: start.maxMessages ?? WORKER_MAX_MESSAGES,
        maxBytes: WORKER_MAX_BYTES,
        closeTimeoutMs: 8_000,
      },
      (message) => {
        firstReceivedAt ??= performance.now();
        message.ack();
        count(settlements, 'ack');
        if (settledForGood(message.id) && start.latencies)
          latencies.push(Date.now() - message.publishTime.getTime());
      },
      (error) => {
        throw error;
      },
    );
    consumer = {
      inHand: () => subscriber.inHand(),
      stop: async () => {
        await subscriber.close();
        await pubsub.close();
      },
    };
  } else {
    stateAt = stateOf(start.env);
    // The Firestore client reads its emulator's address from this process's environment.
    if (stateAt.backend === 'firestore') process.env.FIRESTORE_EMULATOR_HOST = stateAt.host;
    const config = loadConfig(start.env, { cwd: process.cwd() });
    if (config.issues.length > 0) throw new Error(config.issues.map((i) => i.message).join('; '));
    const worker = await composeWorker(config, {
      env: start.env,
      port: 0,
      ...(start.maxMessages ? { maxMessages: start.maxMessages } : {}),
      onSettled: (envelope, settlement) => {
        count(settlements, settlement.kind);
        if (settlement.kind === 'nack') return;
        if (!settledForGood(envelope.message.id)) return;
        for (const channel of CHANNELS) {
          const o = envelope.outcomes.get(channel);
          const reason = o && 'reason' in o ? `:${o.reason}` : '';
          count(outcomes, `${channel}:${o?.kind ?? 'none'}${reason}`);
        }
        if (envelope.invalid) count(outcomes, `invalid:${envelope.invalid.reason}`);
        if (start.latencies) {
          latencies.push(Date.now() - envelope.message.publishTime.getTime());
          if (envelope.finding && envelope.outcomes.get('slack')?.kind === 'queued')
            publishedAt.set(envelope.finding.id, envelope.message.publishTime.getTime());
        }
      },
    });
    consumer = { inHand: () => worker.relay.inHand(), stop: () => worker.stop() };
    // The relay takes messages in where this process cannot see them: poll for the first one.
    const watch = setInterval(() => {
      if (worker.relay.inHand() > 0 || settledIds.size > 0) {
        firstReceivedAt ??= performance.now();
        clearInterval(watch);
      }
    }, 2);
  }

  const sample = () => {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    samples.push({
      t: Math.round(performance.now() - startedAt),
      rssMb: mb(memory.rss),
      heapMb: mb(memory.heapUsed),
      inHand: consumer?.inHand() ?? 0,
      settled: settledIds.size,
    });
  };
  const sampler = start.sampleMs > 0 ? setInterval(sample, start.sampleMs) : undefined;
  await send({ type: 'ready' });
  await done;
  const doneAt = performance.now();
  const elapsedMs = doneAt - startedAt;
  const ackCpu = process.cpuUsage(cpuAtStart);
  // The relay acked everything; its dispatchers may still be posting and writing the ledger.
  let outboxLeft: number | undefined;
  let drainedAt = doneAt;
  if (stateAt) {
    const queued = await openQueuedCount(stateAt);
    const deadline = performance.now() + (start.outboxWaitMs ?? 600_000);
    const pollMs = stateAt.backend === 'sqlite' ? 20 : 50;
    outboxLeft = await queued.read();
    while (outboxLeft > 0 && performance.now() < deadline) {
      await sleep(pollMs);
      outboxLeft = await queued.read();
    }
    drainedAt = performance.now();
    await queued.close();
  }
  const cpu = process.cpuUsage(cpuAtStart);
  loopDelay.disable();
  const ms = (ns: number) => round(ns / 1e6, 1);
  const eventLoopDelayMs = {
    p50: ms(loopDelay.percentile(50)),
    p99: ms(loopDelay.percentile(99)),
    max: ms(loopDelay.max),
  };
  if (sampler) {
    clearInterval(sampler);
    sample();
  }
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const firestoreIo = stateAt?.backend === 'firestore' ? firestoreIoSince(firestoreAtStart) : undefined;
  // On Firestore, a commit is what a sqlite transaction is: one atomic write of a call.
  const transactions = firestoreIo
    ? Object.fromEntries(
        Object.entries(firestoreIo)
          .filter(([, io]) => io.commits > 0)
          .map(([op, io]) => [op, io.commits]),
      )
    : stateAt
      ? transactionsSince(transactionsAtStart)
      : undefined;
  await consumer.stop();
  latencies.sort((a, b) => a - b);
  const postLatencies =
    stateAt?.backend === 'sqlite' && start.latencies
      ? slackPostLatencies(stateAt.file, publishedAt)
      : undefined;
  const result: ConsumerResult = {
    type: 'result',
    kind: start.kind,
    settled: settledIds.size,
    settlements,
    outcomes,
    elapsedMs: round(elapsedMs),
    firstToLastMs: round(doneAt - (firstSettledAt ?? doneAt)),
    receivingMs: round(doneAt - (firstReceivedAt ?? startedAt)),
    cpuS: round((cpu.user + cpu.system) / 1e6, 3),
    ackCpuS: round((ackCpu.user + ackCpu.system) / 1e6, 3),
    peakRssMb: mb(peakRss),
    eventLoopDelayMs,
    samples,
    ...(start.latencies ? { latencyMs: percentilesOf(latencies) } : {}),
    ...(stateAt
      ? {
          outboxDrainedMs: round(drainedAt - (firstReceivedAt ?? startedAt)),
          outboxLeft: outboxLeft ?? 0,
          stateTransactions: transactions ?? {},
        }
      : {}),
    ...(firestoreIo ? { firestoreIo } : {}),
    ...(postLatencies ? { postLatencyMs: percentilesOf(postLatencies) } : {}),
  };
  await send(result);
}

function transactionsSince(before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(committedTransactions())) {
    const d = n - (before[op] ?? 0);
    if (d > 0) out[op] = d;
  }
  return out;
}

/** What the Firestore backend of this process did since `before`, by operation (operations with none left out). */
function firestoreIoSince(before: Record<string, FirestoreIo>): Record<string, FirestoreIo> {
  const out: Record<string, FirestoreIo> = {};
  for (const [op, io] of Object.entries(firestoreIoByOp())) {
    const b = before[op] ?? { commits: 0, writes: 0, retries: 0, reads: 0 };
    const d = {
      commits: io.commits - b.commits,
      writes: io.writes - b.writes,
      retries: io.retries - b.retries,
      reads: io.reads - b.reads,
    };
    if (d.commits || d.writes || d.retries || d.reads) out[op] = d;
  }
  return out;
}

/** Publish → the Slack delivery's `finished_at` (recorded right after the webhook answered), ascending. */
function slackPostLatencies(stateFile: string, publishedAt: ReadonlyMap<string, number>): number[] {
  const db = new DatabaseSync(stateFile, { readOnly: true, timeout: 1_000 });
  try {
    const rows = db
      .prepare(
        `SELECT event_id, finished_at FROM deliveries
         WHERE channel = 'slack' AND state = 'done' AND json_extract(outcome, '$.kind') = 'sent'`,
      )
      .all() as Array<{ event_id: string; finished_at: number }>;
    const out: number[] = [];
    for (const row of rows) {
      const at = publishedAt.get(row.event_id);
      if (at !== undefined) out.push(row.finished_at - at);
    }
    return out.sort((a, b) => a - b);
  } finally {
    db.close();
  }
}

// The bench went away (killed, crashed): nobody will read a result, so do not linger.
process.once('disconnect', () => process.exit(1));
process.once('message', (message: ConsumerStart) => {
  run(message).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
