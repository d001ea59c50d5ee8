import type { PreparedMessage } from '../src/publisher/prepare-finding.js';
import { startConsumer } from './consumer.js';
import type { ConsumerKind, ConsumerResult } from './consumer-protocol.js';
import { type PacedPublish, publishAll, publishPaced } from './publish.js';
import type { BenchContext, Scenario } from './scenario.js';
import { createScenario } from './scenario.js';
import { type StoreCensus, takeStoreCensus } from './store-census.js';

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
  readonly outbound: Outbound;
  /** The relay's file store after the run (relay runs only). */
  readonly census?: StoreCensus;
  /** Pub/Sub paced publishing figures (latency runs only). */
  readonly paced?: PacedPublish;
  /** The emulator's CPU seconds while the consumer ran, and its memory at the end. */
  readonly emulator: { cpuS: number; rssMb: number };
}

export interface RunOptions {
  readonly sampleMs?: number;
  readonly latencies?: boolean;
  readonly profileDir?: string;
  /** Relay environment overrides (e.g. SLACK_BATCH_WINDOW_MS). */
  readonly env?: Record<string, string>;
  /** Publish at this rate for this long, after the consumer is up; otherwise all before it starts. */
  readonly paced?: { perSecond: number; seconds: number };
}

/** Generous: the relay on this kind of machine manages ~100 findings/s; a stuck run still ends. */
const timeoutFor = (messages: number) => 120_000 + messages * 60;

/**
 * One consumer run on its own topic and store: publish (a backlog before the consumer starts, or
 * paced while it runs), consume until every message is settled for good, take the census.
 */
export async function runConsumer(
  ctx: BenchContext,
  kind: ConsumerKind,
  messages: readonly PreparedMessage[],
  options: RunOptions = {},
): Promise<ConsumerRun> {
  const scenario = await createScenario(ctx, kind, options.env ?? {});
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
  const consumer = startConsumer(
    {
      kind,
      env: scenario.env,
      expect,
      sampleMs: options.sampleMs ?? 250,
      latencies: options.latencies ?? false,
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
  return {
    kind,
    published: expect,
    publishS,
    consumer: result,
    outbound: {
      slackMessages: ctx.slack.accepted.length - slackBefore,
      slackRequests: ctx.slack.received.length - slackRequestsBefore,
      githubRequests: ctx.github.requests.length - githubBefore,
    },
    ...(kind === 'relay' ? { census: await takeStoreCensus(scenario.storeDir) } : {}),
    ...(paced ? { paced } : {}),
    emulator: { cpuS: emulatorAfter.cpuS - emulatorBefore.cpuS, rssMb: emulatorAfter.rssMb },
  };
}
