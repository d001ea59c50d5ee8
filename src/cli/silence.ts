import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { formatConfigIssues, loadConfig } from '../config/load.js';
import { formatAge, parseDuration } from '../dlq/duration.js';
import { formatMatcher, parseMatchers } from '../policy/matchers.js';
import { openRelayState } from '../state/open-relay-state.js';
import type { RelayState } from '../state/relay-state.js';
import { addSilence, expireSilence, isActive, listSilences, type Silence } from '../state/silences.js';
import { parseCommandArgs } from './args.js';
import { type CommandIO, UsageError } from './io.js';

type Plan =
  | {
      readonly command: 'add';
      readonly matchers: string[];
      readonly forMs?: number;
      readonly until?: number;
      readonly reason: string;
      readonly channel?: 'slack' | 'github';
      readonly author?: string;
      readonly json: boolean;
    }
  | { readonly command: 'list'; readonly all: boolean; readonly json: boolean }
  | { readonly command: 'expire'; readonly id: string };

const SUBCOMMANDS = 'add, list or expire';

/** Parses `silence …` arguments; every mistake is a UsageError naming it (exit 2 with usage). */
export function parseSilenceArgs(args: readonly string[]): Plan {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const { values } = parseCommandArgs(rest, {
        match: { type: 'string', multiple: true },
        for: { type: 'string' },
        until: { type: 'string' },
        reason: { type: 'string' },
        channel: { type: 'string' },
        author: { type: 'string' },
        json: { type: 'boolean' },
      });
      const problems: string[] = [];
      const texts = values.match ?? [];
      if (texts.length === 0) problems.push('--match is required (e.g. --match agent=dep-scanner)');
      const { matchers, problems: bad } = parseMatchers(texts);
      problems.push(...bad);
      if ((values.for === undefined) === (values.until === undefined)) {
        problems.push('give exactly one of --for D (like 30m, 6h, 7d) or --until TIME');
      }
      const forMs = values.for === undefined ? undefined : parseDuration(values.for);
      if (values.for !== undefined && forMs === undefined) {
        problems.push(`--for takes a duration like 30m, 6h or 7d, got "${values.for}"`);
      }
      const until = values.until === undefined ? undefined : Date.parse(values.until);
      if (until !== undefined && Number.isNaN(until)) {
        problems.push(`--until takes a date or ISO timestamp, got "${values.until}"`);
      }
      const reason = values.reason?.trim() ?? '';
      if (reason === '') problems.push('--reason is required: say why these findings are muted');
      const channel = values.channel;
      if (channel !== undefined && channel !== 'slack' && channel !== 'github') {
        problems.push(`--channel takes slack or github, got "${channel}"`);
      }
      if (values.author !== undefined && values.author.trim() === '')
        problems.push('--author must not be empty');
      if (problems.length > 0) throw new UsageError(problems.join('\n'));
      return {
        command: 'add',
        matchers: matchers.map(formatMatcher),
        ...(forMs === undefined ? {} : { forMs }),
        ...(until === undefined ? {} : { until }),
        reason,
        ...(channel === undefined ? {} : { channel: channel as 'slack' | 'github' }),
        ...(values.author === undefined ? {} : { author: values.author.trim() }),
        json: values.json === true,
      };
    }
    case 'list': {
      const { values } = parseCommandArgs(rest, { all: { type: 'boolean' }, json: { type: 'boolean' } });
      return { command: 'list', all: values.all === true, json: values.json === true };
    }
    case 'expire': {
      const { positionals } = parseCommandArgs(rest, {}, true);
      if (positionals.length !== 1) throw new UsageError('expire takes exactly one silence ID');
      return { command: 'expire', id: positionals[0]! };
    }
    case undefined:
      throw new UsageError(`missing subcommand: ${SUBCOMMANDS}`);
    default:
      throw new UsageError(`unknown subcommand "${sub}": ${SUBCOMMANDS}`);
  }
}

export interface SilenceDeps {
  readonly now?: () => number;
  readonly newId?: () => string;
  /** The default author: the user running the command. */
  readonly user?: () => string;
  /** Opens the state (tests pass their own); default: STATE_URI of this environment. */
  readonly openState?: (uri: string, cwd: string) => Promise<RelayState>;
}

function osUser(env: CommandIO['env']): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

export async function runSilence(
  args: readonly string[],
  io: CommandIO,
  deps: SilenceDeps = {},
): Promise<number> {
  const plan = parseSilenceArgs(args);
  const result = loadConfig(io.env, { cwd: io.cwd });
  const blocking = result.issues.filter((i) => i.concern === 'state' || i.concern === 'environment');
  if (blocking.length > 0) {
    io.stderr(`${formatConfigIssues(blocking)}\n`);
    return 78;
  }
  const { config } = result;
  if (!config.state.uri) {
    io.stderr(
      'finding-relay silence: no STATE_URI is configured, so there is no state to keep silences in.\n',
    );
    return 1;
  }
  const open = deps.openState ?? ((uri, cwd) => openRelayState(uri, { cwd, env: io.env }));
  const state = await open(config.state.uri, io.cwd);
  try {
    return await runPlan(plan, state, config.deploymentEnv, io, deps);
  } finally {
    await state.close();
  }
}

async function runPlan(plan: Plan, state: RelayState, env: string, io: CommandIO, deps: SilenceDeps) {
  const now = (deps.now ?? Date.now)();
  switch (plan.command) {
    case 'add': {
      const endsAt = plan.forMs !== undefined ? now + plan.forMs : plan.until!;
      if (endsAt <= now)
        throw new UsageError(`--until must be in the future, got ${new Date(endsAt).toISOString()}`);
      const silence: Silence = {
        id: (deps.newId ?? randomUUID)(),
        matchers: plan.matchers,
        ...(plan.channel ? { channel: plan.channel } : {}),
        reason: plan.reason,
        author: plan.author ?? (deps.user ?? (() => osUser(io.env)))(),
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
        createdAt: new Date(now).toISOString(),
      };
      await addSilence(state.kv, env, silence);
      io.stdout(plan.json ? `${JSON.stringify(silence, null, 2)}\n` : `${silence.id}\n`);
      return 0;
    }
    case 'list': {
      const all = await listSilences(state.kv, env);
      const shown = plan.all ? all : all.filter((s) => isActive(s, now));
      io.stdout(
        plan.json ? `${JSON.stringify(shown, null, 2)}\n` : renderSilences(shown, now, env, plan.all),
      );
      return 0;
    }
    case 'expire': {
      const outcome = await expireSilence(state.kv, env, plan.id, now);
      if (outcome === 'not-found') {
        io.stderr(`no silence ${plan.id} in ${env}\n`);
        return 1;
      }
      io.stdout(outcome === 'expired' ? `expired ${plan.id}\n` : `${plan.id} had already ended\n`);
      return 0;
    }
  }
}

/** One block per silence: id, state and time left, channel, matchers, author and reason. */
export function renderSilences(silences: readonly Silence[], now: number, env: string, all: boolean): string {
  if (silences.length === 0) return `no ${all ? '' : 'active '}silences in ${env}\n`;
  const lines = [`${silences.length} ${all ? '' : 'active '}silence(s) in ${env}:`];
  for (const s of silences) {
    const start = Date.parse(s.startsAt);
    const end = Date.parse(s.endsAt);
    const when =
      now >= end
        ? `ended ${formatAge(now - end)} ago`
        : now < start
          ? 'pending'
          : `${formatAge(end - now)} left`;
    lines.push(
      `${s.id}  ${when}  ${s.channel ?? 'slack+github'}  ${s.matchers.join(' ')}`,
      `    by ${s.author}: ${s.reason}  (${s.startsAt} → ${s.endsAt})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
