import {
  type GitHubRoute,
  type RouteSpec,
  type SlackRoute,
  webhookSecretName,
} from '../config/routes-file.js';
import type { ConfigResult, DeploymentEnv, Severity } from '../config/types.js';
import {
  isRepoAllowlisted,
  type MatrixInput,
  resolveSlackWebhook,
  type SlackStatus,
} from './safety-matrix.js';

export type RoutesStatus = 'ENABLED' | 'DISABLED' | 'MISCONFIGURED';

export interface RouteReadiness {
  readonly name: string;
  readonly match: readonly string[];
  /** `default`: the route leaves Slack to SLACK_WEBHOOK_URL (or a later route, with continue). */
  readonly slack:
    | 'off'
    | 'default'
    | {
        readonly webhook: string | undefined;
        /** The secret holding the webhook's URL (never the URL). */
        readonly secret: string;
        readonly status: SlackStatus;
        readonly reason: string;
        readonly minSeverity?: Severity;
        readonly batchWindowMs?: number;
      };
  readonly github:
    | 'off'
    | 'default'
    | {
        readonly repo?: string;
        /** False when the override is outside GITHUB_REPO_ALLOWLIST: its findings are dropped. */
        readonly allowlisted?: boolean;
        readonly minSeverity?: Severity;
      };
  readonly continue: boolean;
}

/**
 * `check`'s view of ROUTES_FILE (docs/contract.md §7): each route, its webhook secret by name and
 * status.
 */
export interface RoutesReadiness {
  readonly status: RoutesStatus;
  readonly reason: string;
  readonly file: string | undefined;
  readonly routes: readonly RouteReadiness[];
}

/** A route naming a webhook whose secret is unset (while Slack is on) makes the routes MISCONFIGURED. */
export function routesReadiness(result: ConfigResult, env: DeploymentEnv): RoutesReadiness {
  const { config } = result;
  const { file, list } = config.routes;
  const fileIssues = result.issues.filter((i) => i.concern === 'routes');
  if (fileIssues.length > 0)
    return {
      status: 'MISCONFIGURED',
      reason: `ROUTES_FILE has ${fileIssues.length} problem(s)`,
      file,
      routes: [],
    };
  if (file === undefined)
    return {
      status: 'DISABLED',
      reason: 'ROUTES_FILE is unset: every finding follows the default',
      file,
      routes: [],
    };
  const routes = list.map((route) => routeReadiness(route, config, env));
  const missing = routes.flatMap((r) =>
    typeof r.slack === 'object' && r.slack.status === 'MISCONFIGURED' ? [r.slack.secret] : [],
  );
  if (missing.length > 0)
    return {
      status: 'MISCONFIGURED',
      reason: `Slack is on but ${[...new Set(missing)].join(', ')} ${missing.length === 1 ? 'is' : 'are'} unset: those routes' Slack findings are dropped`,
      file,
      routes,
    };
  return { status: 'ENABLED', reason: `${list.length} route(s) from ${file}`, file, routes };
}

function routeReadiness(route: RouteSpec, input: MatrixInput, env: DeploymentEnv): RouteReadiness {
  return {
    name: route.name,
    match: route.match,
    slack:
      route.slack === undefined
        ? 'default'
        : route.slack === 'off'
          ? 'off'
          : slackOf(route.slack, input, env),
    github:
      route.github === undefined ? 'default' : route.github === 'off' ? 'off' : githubOf(route.github, input),
    continue: route.continue,
  };
}

function slackOf(slack: SlackRoute, input: MatrixInput, env: DeploymentEnv): RouteReadiness['slack'] {
  const secret = slack.webhook ? webhookSecretName(slack.webhook) : 'SLACK_WEBHOOK_URL';
  const url = slack.webhook ? input.slack.routeWebhooks[slack.webhook] : input.slack.webhookUrl;
  const resolution = resolveSlackWebhook(input, env, secret, url);
  return {
    webhook: slack.webhook,
    secret,
    status: resolution.status,
    reason: resolution.reason,
    ...(slack.minSeverity ? { minSeverity: slack.minSeverity } : {}),
    ...(slack.batchWindowMs === undefined ? {} : { batchWindowMs: slack.batchWindowMs }),
  };
}

function githubOf(github: GitHubRoute, input: MatrixInput): RouteReadiness['github'] {
  return {
    ...(github.repo
      ? { repo: github.repo, allowlisted: isRepoAllowlisted(input.github.repoAllowlist, github.repo) }
      : {}),
    ...(github.minSeverity ? { minSeverity: github.minSeverity } : {}),
  };
}
