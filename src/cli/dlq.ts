import type { PubSub } from '@google-cloud/pubsub';
import type { Config } from '../config/types.js';
import { type DlqOutput, purgeChosen, replayChosen, showList, showStats } from '../dlq/actions.js';
import { readConfirmation } from '../dlq/confirm.js';
import { parseDuration } from '../dlq/duration.js';
import { openDeadLetterPuller } from '../dlq/pull-client.js';
import type { ScanContext } from '../dlq/render.js';
import { DEFAULT_SCAN_OPTIONS, type HeldScan, type ScanOptions, scanDeadLetters } from '../dlq/scan.js';
import { type DeadLetterFilter, isFilterEmpty, matchesFilter } from '../dlq/select.js';
import { systemClock } from '../lib/clock.js';
import { parseCommandArgs } from './args.js';
import { type CommandIO, UsageError } from './io.js';
import { withPubSub } from './pubsub-command.js';

type Plan =
  | { readonly command: 'stats'; readonly json: boolean }
  | {
      readonly command: 'list';
      readonly json: boolean;
      readonly limit: number;
      readonly filter: DeadLetterFilter;
    }
  | { readonly command: 'replay'; readonly filter: DeadLetterFilter; readonly dryRun: boolean }
  | {
      readonly command: 'purge';
      readonly filter: DeadLetterFilter;
      readonly dryRun: boolean;
      readonly yes: boolean;
    };

const DEFAULT_LIST_LIMIT = 100;

/** Parses `dlq …` arguments; every mistake is a UsageError (exit 2 with usage). */
export function parseDlqArgs(args: readonly string[]): Plan {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'stats': {
      const { values } = parseCommandArgs(rest, { json: { type: 'boolean' } });
      return { command: 'stats', json: values.json === true };
    }
    case 'list': {
      const { values } = parseCommandArgs(rest, {
        limit: { type: 'string' },
        reason: { type: 'string' },
        agent: { type: 'string' },
        json: { type: 'boolean' },
      });
      const limit = values.limit === undefined ? DEFAULT_LIST_LIMIT : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new UsageError(`--limit must be a positive whole number, got "${values.limit}"`);
      }
      return {
        command: 'list',
        json: values.json === true,
        limit,
        filter: { reason: values.reason, agent: values.agent },
      };
    }
    case 'replay':
    case 'purge': {
      const { values } = parseCommandArgs(rest, {
        id: { type: 'string', multiple: true },
        reason: { type: 'string' },
        agent: { type: 'string' },
        all: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        ...(sub === 'purge' ? { 'older-than': { type: 'string' }, yes: { type: 'boolean' } } : {}),
      } as const);
      const olderThan = (values as { 'older-than'?: string })['older-than'];
      const olderThanMs = olderThan === undefined ? undefined : parseDuration(olderThan);
      if (olderThan !== undefined && olderThanMs === undefined) {
        throw new UsageError(`--older-than takes a duration like 30m, 6h or 7d, got "${olderThan}"`);
      }
      const filter: DeadLetterFilter = {
        ids: values.id,
        reason: values.reason,
        agent: values.agent,
        olderThanMs,
      };
      const selectors = sub === 'purge' ? '--id, --reason, --older-than or --all' : '--id, --reason or --all';
      if (values.all === true && !isFilterEmpty(filter)) {
        throw new UsageError(`--all cannot be combined with ${selectors.replace(' or --all', '')}`);
      }
      if (values.all !== true && isFilterEmpty(filter)) {
        throw new UsageError(`${sub} needs a selector: ${selectors}`);
      }
      const dryRun = values['dry-run'] === true;
      return sub === 'replay'
        ? { command: 'replay', filter, dryRun }
        : { command: 'purge', filter, dryRun, yes: (values as { yes?: boolean }).yes === true };
    }
    case undefined:
      throw new UsageError('missing subcommand: stats, list, replay or purge');
    default:
      throw new UsageError(`unknown subcommand "${sub}": stats, list, replay or purge`);
  }
}

export interface DlqDeps {
  /** Epoch ms; default the system clock. Ages and --older-than are measured from it. */
  readonly now?: () => number;
  /** Overrides of the scan (tests: a small cap). */
  readonly scan?: Partial<ScanOptions>;
}

export async function runDlq(args: readonly string[], io: CommandIO, deps: DlqDeps = {}): Promise<number> {
  const plan = parseDlqArgs(args);
  return withPubSub(io, (config, pubsub) => runPlan(plan, config, pubsub, io, deps));
}

async function runPlan(plan: Plan, config: Config, pubsub: PubSub, io: CommandIO, deps: DlqDeps) {
  const subscriptionName = config.pubsub.deadLetterSubscription;
  const puller = await openDeadLetterPuller(pubsub, subscriptionName);
  try {
    const options: ScanOptions = {
      ...DEFAULT_SCAN_OPTIONS,
      // The emulator answers an immediate pull exactly; real Pub/Sub needs a waiting pull to be sure.
      confirmEmptyMs: config.pubsub.emulatorHost ? 0 : DEFAULT_SCAN_OPTIONS.confirmEmptyMs,
      signal: io.signal,
      enough: enoughFor(plan, (deps.now ?? systemClock.now)()),
      ...deps.scan,
    };
    let scan: HeldScan;
    try {
      scan = await scanDeadLetters(puller, options);
    } catch (error) {
      io.stderr(`${describeScanError(error, subscriptionName)}\n`);
      return 1;
    }
    try {
      if (io.signal.aborted) {
        io.stderr('interrupted; nothing was changed\n');
        return 130;
      }
      const ctx: ScanContext = {
        subscription: subscriptionName,
        capped: scan.capped,
        cap: options.maxMessages,
        now: (deps.now ?? systemClock.now)(),
      };
      return await act(plan, scan, ctx, io, pubsub.topic(config.pubsub.findingsTopic));
    } finally {
      const unreleased = await scan.release();
      if (unreleased > 0) {
        io.stderr(
          `note: ${unreleased} dead letter(s) could not be given back now; they return within ${options.holdSeconds} s\n`,
        );
      }
    }
  } finally {
    await puller.close();
  }
}

function act(
  plan: Plan,
  scan: HeldScan,
  ctx: ScanContext,
  io: CommandIO,
  topic: ReturnType<PubSub['topic']>,
): Promise<number> | number {
  const out: DlqOutput = { stdout: io.stdout, stderr: io.stderr };
  const acting = { progressTTY: io.stderrIsTTY === true, signal: io.signal };
  switch (plan.command) {
    case 'stats':
      return showStats(scan, ctx, out, plan.json);
    case 'list':
      return showList(scan, ctx, out, plan);
    case 'replay':
      return replayChosen(scan, ctx, out, topic, { ...acting, filter: plan.filter, dryRun: plan.dryRun });
    case 'purge':
      return purgeChosen(
        scan,
        ctx,
        out,
        (question) => {
          io.stderr(question);
          return readConfirmation(io.stdin, io.signal);
        },
        { ...acting, filter: plan.filter, dryRun: plan.dryRun, yes: plan.yes },
      );
  }
}

/**
 * `list` may stop scanning once it has a page to show. Replay and purge scan everything (up to the
 * cap): one finding can have been dead-lettered more than once.
 */
function enoughFor(plan: Plan, now: number): ScanOptions['enough'] {
  if (plan.command !== 'list') return undefined;
  return (letters) => letters.filter((l) => matchesFilter(l, plan.filter, now)).length >= plan.limit;
}

function describeScanError(error: unknown, subscription: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 5)
    return `dead-letter subscription ${subscription} not found: run \`finding-relay setup\` first`;
  return `could not read ${subscription}: ${error instanceof Error ? error.message : String(error)}`;
}
