import type { PreparedMessage } from '@finding-relay/publisher/finding';
import type { BenchState } from './args.js';
import { startConsumer } from './consumer.js';
import type { ConsumerKind, ConsumerResult } from './consumer-protocol.js';
import { type PacedPublish, publishAll, publishPaced } from './publish.js';
import type { BenchContext, Scenario } from './scenario.js';
import { createScenario } from './scenario.js';
import { finalOutcomes, type StateCensus, takeFirestoreCensus, takeStateCensus } from './state-census.js';

/** What the stand-ins saw during one run. */
export interface Outbound {
  /** Slack webhook posts answered `ok`, and all posts. */
  readonly slackMessages: number;
  readonly slackRequests: number;
  /** Requests to the GitHub stand-in (0 in DRY_RUN). */
  readonly githubRequests: number;
}

export interface ConsumerRun {
  readonly kind: ConsumerKind;
  readonly published: number;
  readonly publishS: number;
  readonly consumer: ConsumerResult;
  /**
   * Per finding and channel, the final outcome: the ack's, with `queued` replaced by what the
   * dispatcher recorded (relay runs); `consumer.outcomes` keeps what the acks said.
   */
  readonly outcomes: Record<string, number>;
  readonly outbound: Outbound;
  /** The relay's state (sqlite or Firestore) and ledger after the run (relay runs only). */
  readonly census?: StateCensus;
  /** Where the relay kept its state. */
  readonly state: BenchState;
  /** Pub/Sub paced publishing figures (latency runs only). */
  readonly paced?: PacedPublish;
  /** The emulator's CPU seconds while the consumer ran, and its memory at the end. */
  readonly emulator: { cpuS: number; rssMb: number };
  /** The same of the Firestore emulator (relay runs on Firestore only). */
  readonly firestoreEmulator?: { cpuS: number; rssMb: number };
}

export interface RunOptions {
  readonly sampleMs?: number;
  readonly latencies?: boolean;
  readonly profileDir?: string;
  /** Relay environment overrides (e.g. SLACK_BATCH_WINDOW_MS). */
  readonly env?: Record<string, string>;
  /** Publish at this rate for this long, after the consumer is up; otherwise all before it starts. */
  readonly paced?: { perSecond: number; seconds: number };
  /** The relay's state backend (default sqlite; firestore needs the context's Firestore emulator). */
  readonly state?: BenchState;
}

/** Generous (a few ms per finding, plus the outbox drain); a stuck run still ends. */
const timeoutFor = (messages: number) => 180_000 + messages * 20;
/** How long a relay may take, after its last ack, to empty its outbox. */
const outboxWaitFor = (messages: number) => 60_000 + messages * 5;

/**
 * One consumer run on its own topic and store: publish (a backlog before the consumer starts, or
 * paced while it runs), consume until every message is settled for good (and a relay's outbox
 * is empty), take the census of its state file and ledger.
 */
export async function runConsumer(
  ctx: BenchContext,
  kind: ConsumerKind,
  messages: readonly PreparedMessage[],
  options: RunOptions = {},
): Promise<ConsumerRun> {
  const scenario = await createScenario(ctx, kind, options.env ?? {}, options.state ?? 'sqlite');
  try {
    return await runIn(ctx, scenario, kind, messages, options);
  } finally {
    await scenario.cleanup();
  }
}

async function runIn(
  ctx: BenchContext,
  scenario: Scenario,
  kind: ConsumerKind,
  messages: readonly PreparedMessage[],
  options: RunOptions,
): Promise<ConsumerRun> {
  const slackBefore = ctx.slack.accepted.length;
  const slackRequestsBefore = ctx.slack.received.length;
  const githubBefore = ctx.github.requests.length;
  const expect = options.paced
    ? Math.min(messages.length, Math.round(options.paced.perSecond * options.paced.seconds))
    : messages.length;
  let publishS = 0;
  if (!options.paced) publishS = await publishAll(scenario.topic, messages);
  const emulatorBefore = ctx.emulatorUsage();
  const onFirestore = scenario.state.backend === 'firestore';
  const firestoreBefore = onFirestore ? ctx.firestore?.usage() : undefined;
  const consumer = startConsumer(
    {
      kind,
      env: scenario.env,
      expect,
      sampleMs: options.sampleMs ?? 250,
      latencies: options.latencies ?? false,
      outboxWaitMs: outboxWaitFor(expect),
    },
    {
      logFile: scenario.logFile,
      timeoutMs: timeoutFor(expect),
      ...(options.profileDir ? { profileDir: options.profileDir } : {}),
    },
  );
  let paced: PacedPublish | undefined;
  if (options.paced) {
    await consumer.ready;
    paced = await publishPaced(scenario.topic, messages, options.paced.perSecond, options.paced.seconds);
    publishS = paced.seconds;
  }
  const result = await consumer.result;
  const emulatorAfter = ctx.emulatorUsage();
  const firestoreAfter = firestoreBefore ? ctx.firestore?.usage() : undefined;
  const at = scenario.state;
  const census =
    kind !== 'relay'
      ? undefined
      : at.backend === 'firestore'
        ? await takeFirestoreCensus(at.host, at.projectId, scenario.ledgerDir)
        : takeStateCensus(at.file, scenario.ledgerDir);
  return {
    kind,
    published: expect,
    publishS,
    consumer: result,
    outcomes: census ? finalOutcomes(result.outcomes, census) : result.outcomes,
    outbound: {
      slackMessages: ctx.slack.accepted.length - slackBefore,
      slackRequests: ctx.slack.received.length - slackRequestsBefore,
      githubRequests: ctx.github.requests.length - githubBefore,
    },
    ...(census ? { census } : {}),
    state: at.backend,
    ...(paced ? { paced } : {}),
    emulator: { cpuS: emulatorAfter.cpuS - emulatorBefore.cpuS, rssMb: emulatorAfter.rssMb },
    ...(firestoreBefore && firestoreAfter
      ? {
          firestoreEmulator: {
            cpuS: firestoreAfter.cpuS - firestoreBefore.cpuS,
            rssMb: firestoreAfter.rssMb,
          },
        }
      : {}),
  };
}
