import { openConfiguredLedger } from '../app/ledger-storage.js';
import { readLedger } from '../channels/ledger/ledger-reader.js';
import type { LedgerRecord } from '../channels/ledger/types.js';
import { loadConfig } from '../config/load.js';
import { parseCommandArgs } from './args.js';
import { type CommandIO, UsageError } from './io.js';

/** `ledger show`: the issues and comments GitHub dry-run would have created, readable. */
export async function runLedger(args: readonly string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'show') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  const { values } = parseCommandArgs(rest, {
    since: { type: 'string' },
    env: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    throw new UsageError(`--since expects a date or timestamp, got "${values.since}"`);
  }
  if (values.env !== undefined && !['dev', 'staging', 'prod'].includes(values.env)) {
    throw new UsageError(`--env expects dev, staging or prod, got "${values.env}"`);
  }
  const { config } = loadConfig(io.env, { cwd: io.cwd });
  if (!config.storage.uri) {
    io.stderr('finding-relay ledger: no STORAGE_URI is configured, so there is no ledger to read.\n');
    return 1;
  }
  const store = openConfiguredLedger(config.storage.uri, {
    projectId: config.pubsub.projectId,
    emulatorHost: config.storage.emulatorHost,
  });
  const { records, problems } = await readLedger(store, {
    env: values.env ?? config.deploymentEnv,
    ...(values.since ? { since: values.since } : {}),
  });
  if (values.json) {
    io.stdout(`${JSON.stringify({ location: store.location, records, problems }, null, 2)}\n`);
  } else {
    io.stdout(renderLedger(records, store.location));
    for (const p of problems) io.stderr(`warning: ${p}\n`);
  }
  return 0;
}

export function renderLedger(records: readonly LedgerRecord[], location: string): string {
  const creates = records.filter((r) => r.action === 'create-issue');
  const comments = records.filter((r) => r.action === 'comment-issue');
  const lines = [
    `dry-run ledger at ${location}: ${creates.length} issues and ${comments.length} comments would have been created`,
  ];
  for (const r of records) {
    const body = r.request.body as { title?: unknown; labels?: unknown };
    const what =
      r.action === 'create-issue'
        ? `open issue "${String(body.title ?? '')}"${Array.isArray(body.labels) ? ` [${body.labels.join(', ')}]` : ''}`
        : 'comment';
    lines.push(
      `${r.at}  ${r.env.padEnd(7)} ${r.request.method} ${r.request.path}  ${what}  (finding ${r.findingId})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
