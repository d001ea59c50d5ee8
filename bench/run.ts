/**
 * `npm run bench`: the relay against the real Pub/Sub emulator (its own, on a free loopback port)
 * with the Slack and GitHub stand-ins answering at once and without rate limits. Prints a table
 * and writes bench/results/latest.json (or --out). See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PubSub } from '@google-cloud/pubsub';
import { createPubSubClient } from '../src/pubsub/client.js';
import { type RunningFirestoreEmulator, startFirestoreEmulator } from '../test/support/firestore-emulator.js';
import { startGitHubStandIn } from '../test/support/github-stand-in.js';
import { startSlackStandIn } from '../test/support/slack-stand-in.js';
import { type BenchOptions, BenchUsageError, type Part, parseBenchArgs, USAGE } from './args.js';
import type { ConsumerRun } from './consumer-runs.js';
import { runConsumer } from './consumer-runs.js';
import { generateCorpus } from './corpus.js';
import { type BenchEmulator, processGroupUsage, startBenchEmulator } from './emulator.js';
import { runBacklog } from './parts/backlog.js';
import { runCeiling } from './parts/ceiling.js';
import { runLatency } from './parts/latency.js';
import { outboundFigures } from './parts/outbound.js';
import { summariseProfile } from './profile-summary.js';
import { formatReport } from './report.js';
import type { BenchResults, FirestoreEmulatorLog, Target } from './results-types.js';
import { BENCH_PROJECT, type BenchContext } from './scenario.js';
import { round } from './stats.js';

/** The relay as every part runs it, on top of the scenario's staging environment (product defaults). */
const RELAY_ENV: Record<string, string> = {};

function commitOf(): string | undefined {
  try {
    const root = fileURLToPath(new URL('..', import.meta.url));
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

export async function runBench(
  options: BenchOptions,
  log: (line: string) => void = (line) => console.error(`[bench] ${line}`),
): Promise<BenchResults> {
  const startedAt = new Date();
  const started = performance.now();
  const loadStart = loadavg()[0]!;
  const runDir = join(
    tmpdir(),
    'finding-relay-bench',
    `run-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  );
  mkdirSync(runDir, { recursive: true });
  const slack = await startSlackStandIn();
  const github = await startGitHubStandIn({ repos: ['acme/web'] });
  const emulatorLog: BenchResults['meta']['emulator'] = [];
  let firestoreLog: { -readonly [K in keyof FirestoreEmulatorLog]: FirestoreEmulatorLog[K] } | undefined;
  let emulator: BenchEmulator | undefined;
  let pubsub: PubSub | undefined;
  /**
   * `--state firestore`: one Firestore emulator for the run (FIRESTORE_EMULATOR_HOST, when set,
   * names one started elsewhere, used as it is and never stopped); each relay run has a project of
   * its own on it, emptied afterwards.
   */
  let firestore: RunningFirestoreEmulator | undefined;
  const firestoreContext = () => {
    if (!firestore) return undefined;
    const pid = firestore.pid;
    return {
      host: firestore.host,
      usage: () => (pid === undefined ? { rssMb: 0, cpuS: 0 } : processGroupUsage(pid)),
    };
  };

  /** A fresh emulator per heavy part (its JVM grows); --quick keeps one for the whole run. */
  const contextFor = async (part: Part): Promise<BenchContext> => {
    if (!emulator || !options.quick) {
      await pubsub?.close();
      await emulator?.stop();
      emulator = await startBenchEmulator();
      pubsub = createPubSubClient({ projectId: BENCH_PROJECT, emulatorHost: emulator.host });
      log(`${part}: emulator ${emulator.host} (pid ${emulator.pid})`);
    }
    const current = emulator;
    return {
      pubsub: pubsub!,
      emulatorHost: current.host,
      emulatorUsage: () => current.usage(),
      slack,
      github,
      runDir,
      storeRoot: options.storeRoot,
      ...(firestore ? { firestore: firestoreContext()! } : {}),
    };
  };
  const noteEmulator = (part: string) => emulator && emulatorLog.push({ part, ...emulator.usage() });

  const results: { -readonly [K in Exclude<keyof BenchResults, 'meta' | 'targets'>]?: BenchResults[K] } = {};
  try {
    if (options.state === 'firestore') {
      firestore = await startFirestoreEmulator();
      firestoreLog = {
        host: firestore.host,
        startedByBench: firestore.pid !== undefined,
        ...(firestore.pid !== undefined ? { pid: firestore.pid } : {}),
      };
      log(
        `Firestore emulator ${firestore.host} (${firestore.pid === undefined ? 'FIRESTORE_EMULATOR_HOST, not ours' : `pid ${firestore.pid}`})`,
      );
    }
    const wants = (part: Part) => options.parts.includes(part);
    const corpus = generateCorpus({ n: options.n, tag: 'main' });
    let outboundRun: ConsumerRun | undefined;
    if (wants('ceiling') || wants('outbound')) results.corpus = corpus.summary;
    if (wants('ceiling')) {
      const ctx = await contextFor('ceiling');
      const profileDir = options.profile ? join(runDir, 'profiles') : undefined;
      const { figures, relayRuns } = await runCeiling(ctx, corpus, {
        reps: options.reps,
        relayEnv: RELAY_ENV,
        ...(profileDir ? { profileDir } : {}),
        log,
        state: options.state,
      });
      results.ceiling = figures;
      outboundRun = relayRuns[0];
      noteEmulator('ceiling');
      if (profileDir) {
        const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
        if (file)
          results.profile = { file: join(profileDir, file), ...summariseProfile(join(profileDir, file)) };
      }
    }
    if (wants('outbound')) {
      if (!outboundRun) {
        const ctx = await contextFor('outbound');
        outboundRun = await runConsumer(ctx, 'relay', corpus.messages, { env: RELAY_ENV });
        noteEmulator('outbound');
      }
      results.outbound = outboundFigures(outboundRun);
    }
    if (wants('latency')) {
      const ctx = await contextFor('latency');
      const latencyCorpus = generateCorpus({ n: options.rate * options.seconds, tag: 'latency' });
      results.latency = await runLatency(ctx, latencyCorpus, {
        perSecond: options.rate,
        seconds: options.seconds,
        windowsMs: options.windowsMs,
        relayEnv: RELAY_ENV,
        log,
      });
      noteEmulator('latency');
    }
    if (wants('backlog')) {
      const ctx = await contextFor('backlog');
      const backlogCorpus = generateCorpus({ n: options.backlog, tag: 'backlog' });
      log(`backlog: publishing ${options.backlog} findings, then starting the relay`);
      const figures = await runBacklog(ctx, backlogCorpus, { relayEnv: RELAY_ENV, sampleMs: 250, log });
      results.backlog = { ...figures, corpus: backlogCorpus.summary };
      noteEmulator('backlog');
    }
  } finally {
    if (firestore && firestoreLog) firestoreLog.usage = firestoreContext()!.usage();
    await firestore?.stop();
    await pubsub?.close();
    await emulator?.stop();
    await slack.close();
    await github.close();
  }
  // Relay logs are large; on success only the profiles are kept, unless asked.
  if (options.keepLogs) log(`logs kept in ${runDir}`);
  else for (const f of readdirSync(runDir)) if (f.endsWith('.log')) rmSync(join(runDir, f));
  const commit = commitOf();
  return {
    meta: {
      startedAt: startedAt.toISOString(),
      durationS: round((performance.now() - started) / 1000, 1),
      options,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGb: round(totalmem() / 1024 ** 3, 1),
        loadAverage: { start: round(loadStart, 2), end: round(loadavg()[0]!, 2) },
      },
      node: process.version,
      ...(commit ? { commit } : {}),
      consumers:
        'each consumer (bare subscriber or relay) is a child process (bench/consumer-child.ts); its CPU and RSS are its own; the publisher and the stand-ins run in the bench process',
      emulator: emulatorLog,
      ...(firestoreLog ? { firestoreEmulator: firestoreLog } : {}),
    },
    ...results,
    targets: targetsOf(results),
  };
}

/**
 * Issue 14's targets (and issue 15's, for the relay on Firestore), each a ratio or figure within
 * this run (never asserted: the machine is shared).
 */
export function targetsOf(r: Pick<BenchResults, 'ceiling' | 'latency' | 'backlog'>): Target[] {
  const out: Target[] = [];
  const add = (name: string, value: number, op: '≥' | '≤', target: number) =>
    out.push({ name, value, op, target, met: op === '≥' ? value >= target : value <= target });
  if (r.ceiling) {
    add('part 1: relay / ceiling (median findings/s)', r.ceiling.ratio.median, '≥', 0.5);
    add('part 1: relay CPU s / 1,000 findings (median)', r.ceiling.relay.cpuSPer1k.median, '≤', 0.6);
  }
  const onFirestore = r.ceiling?.firestore;
  if (onFirestore?.firestoreCommitsPer1k && onFirestore.firestoreWritesPer1k) {
    add(
      'part 1 on Firestore: commits / 1,000 findings (median)',
      onFirestore.firestoreCommitsPer1k.median,
      '≤',
      10,
    );
    add(
      'part 1 on Firestore: document writes / 1,000 findings (median)',
      onFirestore.firestoreWritesPer1k.median,
      '≤',
      2500,
    );
  }
  for (const run of r.latency?.runs ?? []) {
    const at = `part 2 at ${run.offeredPerS}/s, window ${run.slackWindowMs} ms`;
    add(`${at}: publish → ack p99 ms`, run.ackP99Ms, '≤', 250);
    add(`${at}: publish → Slack post p99 ms`, run.postP99Ms, '≤', run.postTargetMs);
  }
  if (r.backlog) {
    add('part 3: relay / bare drain (findings/s)', r.backlog.ratio.findingsPerS, '≥', 0.5);
    add('part 3: relay / bare peak RSS', r.backlog.ratio.peakRssMb, '≤', 1.5);
  }
  return out;
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`${error.message}\nusage: ${USAGE}`);
    return 2;
  }
  const results = await runBench(options);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(formatReport(results));
  console.log(`\nwritten to ${options.out}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
