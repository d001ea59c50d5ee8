/**
 * `npm run dev`: the whole relay on this machine in one command. Starts the Pub/Sub emulator (or
 * uses PUBSUB_EMULATOR_HOST), creates the topics, starts the worker in dev with a file ledger,
 * publishes examples/findings.jsonl and prints every finding's outcome per channel as it settles.
 * Ctrl-C stops everything it started. `--exit-when-settled` exits once the examples are settled.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { completionOutcome } from '../src/app/completion-report.js';
import { composeWorker } from '../src/app/compose.js';
import { describeSettlement } from '../src/app/settlement-report.js';
import { validateJsonLines } from '../src/cli/publish.js';
import { formatConfigIssues, loadConfig } from '../src/config/load.js';
import { configSecrets } from '../src/config/secrets.js';
import { createLogger } from '../src/observability/logger.js';
import type { Settlement } from '../src/pipeline/settle.js';
import type { Envelope } from '../src/pipeline/types.js';
import { createPubSubClient } from '../src/pubsub/client.js';
import {
  EmulatorNotFoundError,
  resolveEmulatorBinary,
  startEmulatorProcess,
} from '../src/pubsub/emulator-process.js';
import { provisionPubSub } from '../src/pubsub/provision.js';
import { publishFindings } from '../src/pubsub/publish-findings.js';
import { startSlackStandIn } from '../test/support/slack-stand-in.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'exit-when-settled': { type: 'boolean' } } });
  const stopAll: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stopAll.reverse()) await fn().catch(() => undefined);
  };
  let interrupted = 0;
  const finished = new Promise<void>((resolve) => {
    const onSignal = () => {
      interrupted += 1;
      if (interrupted > 1) process.exit(130);
      say('\nstopping…');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  const env: Record<string, string | undefined> = {
    DEPLOYMENT_ENV: 'dev',
    // Dev shows the whole flow: GitHub dry-run into the file ledger for the example org.
    GITHUB_ISSUE_CREATION_ENABLED: 'true',
    GITHUB_REPO_ALLOWLIST: 'acme/*',
    SLACK_BATCH_WINDOW_MS: '1000',
    LOG_LEVEL: 'warn',
    ...process.env,
  };

  if (!env.PUBSUB_EMULATOR_HOST) {
    let binary: string;
    try {
      binary = resolveEmulatorBinary(process.env);
    } catch (error) {
      if (error instanceof EmulatorNotFoundError) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }
    say('starting the Pub/Sub emulator…');
    const emulator = await startEmulatorProcess({ binary, env: process.env, logDir: tmpdir() });
    stopAll.push(() => emulator.stop());
    env.PUBSUB_EMULATOR_HOST = emulator.host;
    say(`  emulator on ${emulator.host} (pid ${emulator.pid})`);
  }

  if (!env.SLACK_WEBHOOK_URL && env.SLACK_NOTIFICATIONS_ENABLED === undefined) {
    // A local stand-in for Slack's webhook, so the digests are visible without a workspace.
    const slack = await startSlackStandIn();
    let shown = 0;
    const showPosted = () => {
      for (const request of slack.accepted.slice(shown)) {
        const text = String((request.body as { text?: string }).text ?? '');
        say(`  [slack sandbox] ${text.split('\n')[0]}`);
      }
      shown = slack.accepted.length;
    };
    const timer = setInterval(showPosted, 250);
    stopAll.push(async () => {
      clearInterval(timer);
      showPosted();
      await slack.close();
    });
    env.SLACK_NOTIFICATIONS_ENABLED = 'true';
    env.SLACK_WEBHOOK_URL = slack.url;
    say(`  Slack sandbox on ${slack.origin} (set SLACK_WEBHOOK_URL to post to a real channel)`);
  }

  const result = loadConfig(env, { cwd: process.cwd() });
  if (result.issues.length > 0) {
    process.stderr.write(`${formatConfigIssues(result.issues)}\n`);
    await stop();
    return 78;
  }
  const { config } = result;
  const pubsub = createPubSubClient({
    projectId: config.pubsub.projectId,
    emulatorHost: config.pubsub.emulatorHost,
  });
  stopAll.push(() => pubsub.close());
  const provisioned = await provisionPubSub(
    pubsub,
    {
      findingsTopic: config.pubsub.findingsTopic,
      findingsSubscription: config.pubsub.findingsSubscription,
      deadLetterTopic: config.pubsub.deadLetterTopic,
      deadLetterSubscription: config.pubsub.deadLetterSubscription,
    },
    { maxDeliveryAttempts: config.pubsub.maxDeliveryAttempts, minimumBackoffS: 1, maximumBackoffS: 10 },
  );
  say(`  pubsub: created ${provisioned.created.length}, existing ${provisioned.existing.length}`);

  const examples = validateJsonLines(await readFile(join(root, 'examples/findings.jsonl')));
  const waiting = new Set(examples.findings.map((f) => f.id));
  let allSettled: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const inFlight = new Map<string, { envelope: Envelope; settlement: Settlement }>();
  const printIfFinal = (envelope: Envelope, settlement: Settlement) => {
    if ([...envelope.outcomes.values()].some((o) => o.kind === 'queued')) return;
    say(
      `  ${envelope.finding?.severity.padEnd(8) ?? 'invalid '} ${describeSettlement(envelope, settlement)}`,
    );
    if (envelope.finding && settlement.kind !== 'nack') {
      inFlight.delete(envelope.finding.id);
      waiting.delete(envelope.finding.id);
    }
    if (waiting.size === 0) allSettled();
  };
  const worker = await composeWorker(result, {
    env,
    log: createLogger({
      level: config.logLevel,
      secrets: configSecrets(config),
      pretty: true,
    }),
    // A finding's line is printed once every channel is final: at intake, or when its queued
    // channels' dispatchers have finished them (a digest window, GitHub's pace).
    onSettled: (envelope, settlement) => {
      if (!envelope.finding || settlement.kind === 'nack') return printIfFinal(envelope, settlement);
      inFlight.set(envelope.finding.id, { envelope, settlement });
      printIfFinal(envelope, settlement);
    },
    onCompleted: (entry, completion) => {
      const held = inFlight.get(entry.eventId);
      if (!held || completion.kind === 'retry') return;
      held.envelope.outcomes.set(entry.channel, completionOutcome(completion));
      printIfFinal(held.envelope, held.settlement);
    },
  });
  stopAll.push(() => worker.stop());
  say(
    `  worker: slack ${worker.config.slack.notificationsEnabled ? 'on' : 'off'}, status page http://127.0.0.1:${worker.httpPort}/`,
  );
  say(`  ledger: ${config.storage.uri}  state: ${config.state.uri}`);
  say(`publishing ${examples.findings.length} example findings…`);
  await publishFindings(pubsub.topic(config.pubsub.findingsTopic), examples.findings);

  if (values['exit-when-settled']) {
    await Promise.race([settled, finished]);
    say(waiting.size === 0 ? 'all examples settled.' : `${waiting.size} examples not settled.`);
  } else {
    await settled;
    say(
      'all examples settled. Publish more with `npm run cli -- publish FILE` in another shell; Ctrl-C to stop.',
    );
    await finished;
  }
  await stop();
  return waiting.size === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm run dev failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
