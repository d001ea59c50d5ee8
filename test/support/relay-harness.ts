import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PubSub } from '@google-cloud/pubsub';
import pino from 'pino';
import { type ComposedWorker, composeWorker } from '../../src/app/compose.js';
import { readLedger } from '../../src/channels/ledger/ledger-reader.js';
import { createFileLedgerStorage } from '../../src/channels/ledger/ledger-storage.js';
import type { ChannelName, Outcome } from '../../src/channels/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { FindingInput } from '../../src/finding/schema.js';
import { testFindingInput } from '../../src/finding/test-findings.js';
import type { Settlement } from '../../src/pipeline/settle.js';
import type { Envelope } from '../../src/pipeline/types.js';
import { type PubSubNames, provisionPubSub } from '../../src/pubsub/provision.js';
import { emulatorHost, TEST_PROJECT_ID } from './pubsub-fixtures.js';

export type Env = Record<string, string | undefined>;

/** The environment a test worker runs with: the shared emulator, its own names and a temp store. */
export function relayEnv(names: PubSubNames, storeDir: string, overrides: Env = {}): Env {
  return {
    DEPLOYMENT_ENV: 'dev',
    PUBSUB_EMULATOR_HOST: emulatorHost(),
    GOOGLE_CLOUD_PROJECT: TEST_PROJECT_ID,
    FINDINGS_TOPIC: names.findingsTopic,
    FINDINGS_SUBSCRIPTION: names.findingsSubscription,
    DEAD_LETTER_TOPIC: names.deadLetterTopic,
    DEAD_LETTER_SUBSCRIPTION: names.deadLetterSubscription,
    STORAGE_URI: pathToFileURL(storeDir).href,
    STATE_URI: `sqlite://${join(storeDir, 'state.db')}`,
    GITHUB_ISSUE_CREATION_ENABLED: 'true',
    GITHUB_REPO_ALLOWLIST: 'acme/*',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

export async function provisionForTest(pubsub: PubSub, names: PubSubNames, maxDeliveryAttempts = 5) {
  await provisionPubSub(pubsub, names, {
    maxDeliveryAttempts,
    immediateRedelivery: true,
    ackDeadlineSeconds: 10,
  });
}

export interface RelayUnderTest {
  worker: ComposedWorker;
  storeDir: string;
  env: Env;
  settled: Array<{ envelope: Envelope; settlement: Settlement }>;
  /** Resolves once `n` messages have settled (any way); rejects after the timeout. */
  waitForSettled(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the dispatchers have finished every channel queued so far (nothing left `queued`). */
  waitForDispatched(timeoutMs?: number): Promise<void>;
  /** A channel's outcome: what intake settled, or, when it was queued, what its dispatcher made of it. */
  outcomeOf(envelope: Envelope, channel: ChannelName): Outcome | undefined;
}

/** Starts the whole relay in-process (port 0, silent logs) against the shared emulator. */
export async function startRelayUnderTest(
  names: PubSubNames,
  overrides: Env = {},
  opts: { storeDir?: string; maxMessages?: number } = {},
): Promise<RelayUnderTest> {
  const storeDir = opts.storeDir ?? (await mkdtemp(join(tmpdir(), 'relay-test-')));
  const env = relayEnv(names, storeDir, overrides);
  const result = loadConfig(env, { cwd: storeDir });
  if (result.issues.length > 0) throw new Error(result.issues.map((i) => i.message).join('\n'));
  const settled: RelayUnderTest['settled'] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const worker = await composeWorker(result, {
    env,
    port: 0,
    log: pino({ level: 'silent' }),
    ...(opts.maxMessages ? { maxMessages: opts.maxMessages } : {}),
    drainTimeoutMs: 5_000,
    onSettled: (envelope, settlement) => {
      settled.push({ envelope, settlement });
      for (const w of waiters.filter((w) => settled.length >= w.n)) w.resolve();
    },
  });
  const outcomeOf = (envelope: Envelope, channel: ChannelName): Outcome | undefined => {
    const atIntake = envelope.outcomes.get(channel);
    if (atIntake?.kind !== 'queued' || !envelope.finding) return atIntake;
    return worker.outcomes.get(envelope.finding.id)?.channels[channel] ?? atIntake;
  };
  const queuedLeft = () =>
    settled.filter(({ envelope }) =>
      [...envelope.outcomes.keys()].some((c) => outcomeOf(envelope, c)?.kind === 'queued'),
    ).length;
  return {
    worker,
    storeDir,
    env,
    settled,
    outcomeOf,
    async waitForDispatched(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (queuedLeft() > 0) {
        if (Date.now() > deadline) throw new Error(`${queuedLeft()} findings still queued`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    waitForSettled: (n, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (settled.length >= n) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`${settled.length} of ${n} messages settled`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
}

let counter = 0;
/**
 * A valid finding (input form: testFindingInput's) from test-agent for acme/web; distinct id and
 * fingerprint unless given.
 */
export function finding(overrides: Partial<FindingInput> = {}): FindingInput {
  counter += 1;
  return testFindingInput({
    id: `test-${Date.now().toString(36)}-${counter}`,
    source: { agent: 'test-agent' },
    severity: 'high',
    title: `Finding number ${counter}`,
    repo: 'acme/web',
    ...overrides,
  });
}

export async function ledgerRecords(storeDir: string) {
  return (await readLedger(createFileLedgerStorage(storeDir), {})).records;
}
