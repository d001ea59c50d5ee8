import type { ChannelName, Decision } from '../channels/types.js';
import { webhookSecretName } from '../config/routes-file.js';
import type { Config, DeploymentEnv, Severity } from '../config/types.js';
import { matchableFinding } from './matchers.js';
import { type CompiledRoute, chooseRoutes, compileRoutes, type RoutedChannels } from './routes.js';
import {
  type GitHubResolution,
  isRepoAllowlisted,
  resolveGitHubMode,
  resolveSlackMode,
  resolveSlackWebhook,
  type SlackResolution,
} from './safety-matrix.js';
import { meetsFloor, severityRank } from './severity.js';

/** The environment-level resolution, computed once at start; per-finding routing reads it. */
export interface ResolvedModes {
  readonly env: DeploymentEnv;
  /** The default webhook (SLACK_WEBHOOK_URL). */
  readonly slack: SlackResolution;
  readonly github: GitHubResolution;
  readonly slackMinSeverity: Severity;
  readonly githubMinSeverity: Severity;
  readonly repoAllowlist: readonly string[];
  /** ROUTES_FILE's routes, in order (none: every finding follows the default). */
  readonly routes?: readonly CompiledRoute[];
  /** Each routed webhook's resolution under the same matrix (by webhook name). */
  readonly routeWebhooks?: ReadonlyMap<string, SlackResolution>;
}

export function resolveModes(config: Config): ResolvedModes {
  const env = config.deploymentEnv;
  return {
    env,
    slack: resolveSlackMode(config, env),
    github: resolveGitHubMode(config, env),
    slackMinSeverity: config.slack.minSeverity,
    githubMinSeverity: config.github.minSeverity,
    repoAllowlist: config.github.repoAllowlist,
    routes: compileRoutes(config.routes.list),
    routeWebhooks: new Map(
      Object.entries(config.slack.routeWebhooks).map(([name, url]) => [
        name,
        resolveSlackWebhook(config, env, webhookSecretName(name), url),
      ]),
    ),
  };
}

export interface RoutableFinding {
  readonly severity: Severity;
  readonly repo?: string | undefined;
}

/**
 * One Decision per channel for one finding: the matrix first, then the repo and severity gates.
 * `routed` (from chooseRoutes) is an input, not an exception: a route picks the webhook or repo and
 * may raise a floor or turn a channel off, and every gate of the matrix still applies after it.
 */
export function decideChannels(
  finding: RoutableFinding,
  modes: ResolvedModes,
  routed: RoutedChannels = {},
): Map<ChannelName, Decision> {
  return new Map<ChannelName, Decision>([
    ['slack', decideSlack(finding, modes, routed.slack)],
    ['github', decideGitHub(finding, modes, routed.github)],
  ]);
}

/** Routes chosen for the finding, then decideChannels: what intake and `check --finding` run. */
export function decideRouted(
  finding: Parameters<typeof matchableFinding>[0] & RoutableFinding,
  modes: ResolvedModes,
): { routed: RoutedChannels; decisions: Map<ChannelName, Decision> } {
  const routed = modes.routes?.length ? chooseRoutes(matchableFinding(finding), modes.routes) : {};
  return { routed, decisions: decideChannels(finding, modes, routed) };
}

/** The stricter of the environment's floor and a route's. */
function floorOf(envFloor: Severity, routeFloor: Severity | undefined): Severity {
  return routeFloor !== undefined && severityRank(routeFloor) > severityRank(envFloor)
    ? routeFloor
    : envFloor;
}

function decideSlack(
  finding: RoutableFinding,
  modes: ResolvedModes,
  route: CompiledRoute | undefined,
): Decision {
  const by = route ? { route: route.name } : {};
  const spec = route?.slack;
  if (spec === 'off') return { do: 'drop', reason: 'mode-disabled', ...by };
  const webhook = spec?.webhook;
  const resolution = webhook === undefined ? modes.slack : modes.routeWebhooks?.get(webhook);
  if (resolution?.mode !== 'ENABLED') return { do: 'drop', reason: 'mode-disabled', ...by };
  if (!meetsFloor(finding.severity, floorOf(modes.slackMinSeverity, spec?.minSeverity)))
    return { do: 'drop', reason: 'below-severity', ...by };
  return { do: 'deliver', ...by, ...(webhook === undefined ? {} : { webhook }) };
}

function decideGitHub(
  finding: RoutableFinding,
  modes: ResolvedModes,
  route: CompiledRoute | undefined,
): Decision {
  const by = route ? { route: route.name } : {};
  const spec = route?.github;
  const mode = modes.github.mode;
  if (mode === 'DISABLED' || spec === 'off') return { do: 'drop', reason: 'mode-disabled', ...by };
  const override = spec?.repo;
  const repo = override ?? finding.repo;
  if (!repo) return { do: 'drop', reason: 'no-repo', ...by };
  if (!isRepoAllowlisted(modes.repoAllowlist, repo)) return { do: 'drop', reason: 'not-allowlisted', ...by };
  if (!meetsFloor(finding.severity, floorOf(modes.githubMinSeverity, spec?.minSeverity)))
    return { do: 'drop', reason: 'below-severity', ...by };
  return {
    do: mode === 'REAL' ? 'deliver' : 'dry-run',
    ...by,
    ...(override === undefined ? {} : { repo: override }),
  };
}
