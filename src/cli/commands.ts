import {
  checkUsage,
  dlqUsage,
  ledgerUsage,
  publishUsage,
  setupUsage,
  silenceUsage,
  smokeUsage,
  versionUsage,
  workerUsage,
} from './help.js';
import type { CommandIO } from './io.js';

export interface Command {
  readonly summary: string;
  /** One line, printed after a usage error. */
  readonly usage: string;
  /** The full help text (`finding-relay <command> --help`). */
  readonly help: string;
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

/** The command table; each command's module is loaded only when it runs, so `check` starts fast. */
export const commands: Record<string, Command> = {
  worker: {
    summary: 'run the relay until SIGTERM/SIGINT, then drain and exit 0',
    usage: 'finding-relay worker',
    help: workerUsage,
    run: async (args, io) => (await import('./worker.js')).runWorker(args, io),
  },
  setup: {
    summary: 'create the topics and subscriptions (with the dead-letter policy); idempotent',
    usage: 'finding-relay setup',
    help: setupUsage,
    run: async (args, io) => {
      const [{ runSetup }, { withPubSub }, { parseCommandArgs }] = await Promise.all([
        import('./setup.js'),
        import('./pubsub-command.js'),
        import('./args.js'),
      ]);
      parseCommandArgs(args, {});
      return withPubSub(io, (config, pubsub) => runSetup({ config, pubsub, io }));
    },
  },
  publish: {
    summary: 'validate JSON Lines findings and publish them; one bad line and nothing is sent',
    usage: 'finding-relay publish [FILE|-]',
    help: publishUsage,
    run: async (args, io) => {
      const [{ runPublish }, { withPubSub }] = await Promise.all([
        import('./publish.js'),
        import('./pubsub-command.js'),
      ]);
      return withPubSub(io, (config, pubsub) =>
        runPublish(args, { io, topic: pubsub.topic(config.pubsub.findingsTopic) }),
      );
    },
  },
  dlq: {
    summary: 'dead letters: counts by reason and agent, list, replay to the findings topic, purge',
    usage:
      'finding-relay dlq stats [--json] | list [--limit N] [--reason R] [--agent A] [--json] | replay (--id ID…|--reason R|--all) [--agent A] [--dry-run] | purge (--id ID…|--reason R|--older-than D|--all) [--agent A] [--dry-run] [--yes]',
    help: dlqUsage,
    run: async (args, io) => (await import('./dlq.js')).runDlq(args, io),
  },
  ledger: {
    summary: 'show the dry-run ledger: the issues and comments GitHub would have received',
    usage: 'finding-relay ledger show [--since DATE] [--env dev|staging|prod] [--json]',
    help: ledgerUsage,
    run: async (args, io) => (await import('./ledger.js')).runLedger(args, io),
  },
  smoke: {
    summary: 'publish one synthetic finding and check each channel did what the safety matrix predicts',
    usage:
      'finding-relay smoke [--timeout 60s] [--allow-real] [--url http://127.0.0.1:8080] [--repo owner/name]',
    help: smokeUsage,
    run: async (args, io) => (await import('./smoke.js')).runSmoke(args, io),
  },
  check: {
    summary: 'readiness: what each channel does in this environment and in dev/staging/prod',
    usage: 'finding-relay check [--json] [--strict] [--finding FILE]',
    help: checkUsage,
    run: async (args, io) => (await import('./check.js')).runCheck(args, io),
  },
  silence: {
    summary: 'mute matching findings for a while, fleet-wide (queued ones too): add, list, expire',
    usage:
      'finding-relay silence add --match M [--match M…] (--for D|--until TIME) --reason TEXT [--channel slack|github] [--author NAME] [--json] | list [--all] [--json] | expire ID',
    help: silenceUsage,
    run: async (args, io) => (await import('./silence.js')).runSilence(args, io),
  },
  version: {
    summary: 'print the version of finding-relay (also --version)',
    usage: 'finding-relay version',
    help: versionUsage,
    run: async (args, io) => {
      const [{ parseCommandArgs }, { packageVersion }] = await Promise.all([
        import('./args.js'),
        import('./version.js'),
      ]);
      parseCommandArgs(args, {});
      io.stdout(`${packageVersion()}\n`);
      return 0;
    },
  },
};

export function renderUsage(): string {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  const lines = ['Usage: finding-relay <command> [options]', '', 'Commands:'];
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${commands[name]!.summary}`);
  lines.push(
    '',
    '`finding-relay <command> --help` shows a command in full; --version prints the version.',
    'Configuration comes from environment variables: see .env.example and docs/variables.md.',
  );
  return `${lines.join('\n')}\n`;
}
