import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { type PubSubNames, provisionPubSub } from '../src/pubsub/provision.js';
import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import type { SlackStandIn } from '../test/support/slack-stand-in.js';
import type { BenchState } from './args.js';
import { BENCH_ALLOWLIST } from './corpus.js';

export const BENCH_PROJECT = 'finding-relay-bench';

/** What every scenario of one emulator shares: the client, the stand-ins and the run directory. */
export interface BenchContext {
  readonly pubsub: PubSub;
  readonly emulatorHost: string;
  /** The emulator's resident memory and CPU seconds so far. */
  readonly emulatorUsage: () => { rssMb: number; cpuS: number };
  /** Both answer at once and without rate limits: what is measured is the relay's own pacing. */
  readonly slack: SlackStandIn;
  readonly github: GitHubStandIn;
  /** Logs and profiles of this bench run. */
  readonly runDir: string;
  /** Each scenario's state file and ledger go into a fresh directory under this. */
  readonly storeRoot: string;
  /** The Firestore emulator of `--state firestore` runs: its host, and its CPU and memory so far. */
  readonly firestore?: {
    readonly host: string;
    readonly usage: () => { rssMb: number; cpuS: number };
  };
}

/** Where a relay scenario keeps its state: a fresh sqlite file, or a fresh project on the Firestore emulator. */
export type ScenarioState =
  | { readonly backend: 'sqlite'; readonly file: string }
  | { readonly backend: 'firestore'; readonly host: string; readonly projectId: string };

/** One consumer run: its own topic and subscriptions, its own empty state and ledger, its environment. */
export interface Scenario {
  readonly label: string;
  readonly names: PubSubNames;
  readonly topic: Topic;
  /** The scenario's directory: `state.db` (STATE_URI) and `storage/` (STORAGE_URI, the ledger). */
  readonly storeDir: string;
  /** The sqlite file STATE_URI would name (present only when `state` is sqlite). */
  readonly stateFile: string;
  readonly state: ScenarioState;
  /** Where the dry-run ledger's `.jsonl` files go. */
  readonly ledgerDir: string;
  readonly logFile: string;
  readonly env: Record<string, string>;
  /** Deletes the topics and subscriptions (the emulator keeps their messages otherwise) and the directory. */
  cleanup(): Promise<void>;
}

/**
 * The relay as the brief sets it: staging, its state in a fresh sqlite file or a fresh project on
 * the Firestore emulator (STATE_URI), Slack ENABLED (SLACK_ENABLE_STAGING) to the stand-in, GitHub
 * DRY_RUN (staging without GITHUB_ENABLE_STAGING) into a plain-file ledger (STORAGE_URI), dedupe
 * on (defaults), production provisioning (5 delivery attempts, 10–600 s backoff) and logs at `info`.
 */
export async function createScenario(
  ctx: BenchContext,
  label: string,
  overrides: Record<string, string> = {},
  backend: BenchState = 'sqlite',
): Promise<Scenario> {
  const base = `bench-${label}-${randomUUID().slice(0, 8)}`;
  const names: PubSubNames = {
    findingsTopic: `${base}-findings`,
    findingsSubscription: `${base}-relay`,
    deadLetterTopic: `${base}-dead-letter`,
    deadLetterSubscription: `${base}-dead-letter-inspect`,
  };
  await provisionPubSub(ctx.pubsub, names, { maxDeliveryAttempts: 5 });
  const storeDir = join(ctx.storeRoot, base);
  const stateFile = join(storeDir, 'state.db');
  const storageDir = join(storeDir, 'storage');
  mkdirSync(storageDir, { recursive: true });
  if (backend === 'firestore' && !ctx.firestore) throw new Error('no Firestore emulator for this scenario');
  // The emulator keeps projects apart: a fresh one is an empty database.
  const state: ScenarioState =
    backend === 'firestore'
      ? { backend, host: ctx.firestore!.host, projectId: `bench-${randomUUID().slice(0, 8)}` }
      : { backend, file: stateFile };
  const env: Record<string, string> = {
    DEPLOYMENT_ENV: 'staging',
    PUBSUB_EMULATOR_HOST: ctx.emulatorHost,
    GOOGLE_CLOUD_PROJECT: BENCH_PROJECT,
    FINDINGS_TOPIC: names.findingsTopic,
    FINDINGS_SUBSCRIPTION: names.findingsSubscription,
    DEAD_LETTER_TOPIC: names.deadLetterTopic,
    DEAD_LETTER_SUBSCRIPTION: names.deadLetterSubscription,
    ...(state.backend === 'firestore'
      ? { STATE_URI: `firestore://${state.projectId}/(default)`, FIRESTORE_EMULATOR_HOST: state.host }
      : { STATE_URI: `sqlite://${stateFile}` }),
    STORAGE_URI: pathToFileURL(storageDir).href,
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_ENABLE_STAGING: 'true',
    SLACK_WEBHOOK_URL: ctx.slack.url,
    GITHUB_ISSUE_CREATION_ENABLED: 'true',
    GITHUB_REPO_ALLOWLIST: BENCH_ALLOWLIST,
    GITHUB_TOKEN: ctx.github.token,
    GITHUB_API_URL: ctx.github.url,
    DRY_RUN: 'true',
    LOG_LEVEL: 'info',
    ...overrides,
  };
  const topic = ctx.pubsub.topic(names.findingsTopic);
  return {
    label,
    names,
    topic,
    storeDir,
    stateFile,
    state,
    ledgerDir: join(storageDir, 'ledger'),
    logFile: join(ctx.runDir, `${base}.log`),
    env,
    async cleanup() {
      const ignore = () => undefined;
      await ctx.pubsub.subscription(names.findingsSubscription).delete().catch(ignore);
      await ctx.pubsub.subscription(names.deadLetterSubscription).delete().catch(ignore);
      await topic.delete().catch(ignore);
      await ctx.pubsub.topic(names.deadLetterTopic).delete().catch(ignore);
      rmSync(storeDir, { recursive: true, force: true });
      // The emulator's own endpoint for dropping a project's documents (they live in its memory).
      if (state.backend === 'firestore')
        await fetch(
          `http://${state.host}/emulator/v1/projects/${state.projectId}/databases/(default)/documents`,
          { method: 'DELETE', signal: AbortSignal.timeout(10_000) },
        ).catch(ignore);
    },
  };
}
