import { type ConfigResult, DEPLOYMENT_ENVS, type DeploymentEnv } from '../config/types.js';
import { type RoutesReadiness, routesReadiness } from './route-readiness.js';
import {
  type GitHubMode,
  type GitHubStatus,
  resolveGitHubMode,
  resolveSlackMode,
  resolveState,
  resolveStorage,
  type SlackMode,
  type SlackStatus,
  type StateBackend,
  type StateStatus,
  type StorageStatus,
} from './safety-matrix.js';

export interface EnvironmentReadiness {
  readonly slack: { mode: SlackMode; status: SlackStatus; reason: string; label: string };
  readonly github: { mode: GitHubMode; status: GitHubStatus; reason: string };
  readonly storage: { status: StorageStatus; reason: string; uri: string | undefined };
  readonly state: { backend: StateBackend; status: StateStatus; reason: string; uri: string | undefined };
}

/**
 * The JSON `check --json` prints (docs/contract.md §6): the current environment at top level, plus
 * the matrix.
 */
export interface ReadinessReport extends EnvironmentReadiness {
  readonly environment: DeploymentEnv;
  readonly environmentDefaulted: boolean;
  readonly misconfigured: boolean;
  readonly matrix: Record<DeploymentEnv, EnvironmentReadiness>;
  /** ROUTES_FILE in the current environment (docs/contract.md §7). */
  readonly routes: RoutesReadiness;
  readonly configIssues: readonly { variable: string; message: string }[];
  readonly warnings: readonly string[];
  readonly guidance: readonly string[];
}

function readinessFor(result: ConfigResult, env: DeploymentEnv): EnvironmentReadiness {
  const { config } = result;
  const slack = resolveSlackMode(config, env);
  const github = resolveGitHubMode(config, env);
  const storage = resolveStorage(config, env);
  const state = resolveState(config, env);
  return {
    slack: { mode: slack.mode, status: slack.status, reason: slack.reason, label: slack.label },
    github: { mode: github.mode, status: github.status, reason: github.reason },
    storage: { status: storage.status, reason: storage.reason, uri: storage.uri },
    state: { backend: state.backend, status: state.status, reason: state.reason, uri: state.uri },
  };
}

/** A bad variable makes the part it belongs to MISCONFIGURED; a bad DEPLOYMENT_ENV makes every part so. */
function applyConfigIssues(base: EnvironmentReadiness, result: ConfigResult): EnvironmentReadiness {
  const hit = (concern: string) =>
    result.issues.filter((i) => i.concern === concern || i.concern === 'environment').map((i) => i.variable);
  const mark = <T extends { status: string; reason: string }>(part: T, vars: string[]): T =>
    vars.length === 0 ? part : { ...part, status: 'MISCONFIGURED', reason: `invalid ${vars.join(', ')}` };
  return {
    slack: mark(base.slack, hit('slack')),
    github: mark(base.github, hit('github')),
    storage: mark(base.storage, hit('storage')),
    state: mark(base.state, hit('state')),
  };
}

/**
 * `perEnvironment` is the same variables loaded as each environment (defaults such as the dev
 * file store differ by environment); without it the current configuration stands for all three.
 */
export function buildReadinessReport(
  result: ConfigResult,
  perEnvironment?: Readonly<Record<DeploymentEnv, ConfigResult>>,
): ReadinessReport {
  const { config } = result;
  const env = config.deploymentEnv;
  const matrix = Object.fromEntries(
    DEPLOYMENT_ENVS.map((e) => [e, readinessFor(perEnvironment?.[e] ?? result, e)]),
  ) as Record<DeploymentEnv, EnvironmentReadiness>;
  const current = applyConfigIssues(readinessFor(result, env), result);
  const routes = routesReadiness(result, env);
  const misconfigured =
    result.issues.length > 0 ||
    [
      current.slack.status,
      current.github.status,
      current.storage.status,
      current.state.status,
      routes.status,
    ].includes('MISCONFIGURED');
  return {
    environment: env,
    environmentDefaulted: config.deploymentEnvDefaulted,
    misconfigured,
    ...current,
    matrix,
    routes,
    configIssues: result.issues.map((i) => ({ variable: i.variable, message: i.message })),
    warnings: [...result.warnings, ...collectWarnings(result)],
    guidance: collectGuidance(result, current),
  };
}

function collectWarnings(result: ConfigResult): string[] {
  const { config } = result;
  const { slack, github } = config;
  const env = config.deploymentEnv;
  const warnings: string[] = [];
  for (const [flag, on] of [
    ['SLACK_ENABLE_STAGING', slack.enableStaging],
    ['SLACK_ENABLE_PROD', slack.enableProd],
  ] as const) {
    if (on && !slack.webhookUrl) warnings.push(`${flag}=true but SLACK_WEBHOOK_URL is missing`);
  }
  if ((slack.enableStaging || slack.enableProd) && !slack.notificationsEnabled) {
    warnings.push('an environment override for Slack is set but SLACK_NOTIFICATIONS_ENABLED is false');
  }
  if (slack.notificationsEnabled && !slack.webhookUrl) {
    warnings.push('SLACK_NOTIFICATIONS_ENABLED=true but SLACK_WEBHOOK_URL is missing');
  }
  const githubMode = resolveGitHubMode(config, env).mode;
  if (github.token && githubMode !== 'REAL') {
    warnings.push(`GITHUB_TOKEN is set but unused while GitHub is ${githubMode} in ${env}`);
  }
  const tokenHost = foreignTokenHost(github.apiUrl);
  if (github.token && tokenHost) {
    warnings.push(
      `GITHUB_TOKEN is sent to ${tokenHost} (GITHUB_API_URL), not api.github.com: make sure that host is yours`,
    );
  }
  if (!github.dryRun && !github.token)
    warnings.push('DRY_RUN=false but GITHUB_TOKEN is missing: staying in dry-run');
  if (github.issueCreationEnabled && github.repoAllowlist.length === 0) {
    warnings.push('GITHUB_REPO_ALLOWLIST is empty: no repo can receive issues');
  }
  if (github.enableProd && env === 'prod' && githubMode === 'REAL') {
    warnings.push('GitHub issue creation is REAL in prod: issues will be opened for allowlisted repos');
  }
  const routes = routesReadiness(result, env);
  // A bad file is already named among the invalid variables; an unset routed secret is said here.
  if (routes.status === 'MISCONFIGURED' && routes.routes.length > 0) warnings.push(routes.reason);
  for (const route of routes.routes) {
    if (typeof route.github === 'object' && route.github.allowlisted === false)
      warnings.push(
        `route "${route.name}" sends GitHub findings to ${route.github.repo}, which GITHUB_REPO_ALLOWLIST does not allow: they are dropped`,
      );
  }
  const storage = resolveStorage(config, env);
  if (storage.status === 'MISCONFIGURED') warnings.push(storage.reason);
  const state = resolveState(config, env);
  if (state.status === 'MISCONFIGURED') warnings.push(state.reason);
  if (state.warning) warnings.push(state.warning);
  return warnings;
}

/** The host of GITHUB_API_URL when it is not github.com's API (a GHES server, a test server). */
function foreignTokenHost(apiUrl: string): string | undefined {
  try {
    const { host } = new URL(apiUrl);
    return host === 'api.github.com' ? undefined : host;
  } catch {
    return undefined;
  }
}

function collectGuidance(result: ConfigResult, current: EnvironmentReadiness): string[] {
  const env = result.config.deploymentEnv;
  const guidance: string[] = [];
  if (result.issues.length > 0)
    guidance.push('Fix the invalid variables above; the worker refuses to start until then.');
  if (result.config.deploymentEnvDefaulted)
    guidance.push('Set DEPLOYMENT_ENV explicitly (dev, staging or prod).');
  if (current.slack.mode === 'DISABLED' && env !== 'dev' && result.config.slack.notificationsEnabled) {
    guidance.push(
      `Slack stays off in ${env} until SLACK_ENABLE_${env.toUpperCase()}=true: enable it deliberately, after dev is validated.`,
    );
  }
  if (current.github.mode === 'DRY_RUN') {
    guidance.push('GitHub is in dry-run: review what it would do with `finding-relay ledger show`.');
  }
  if (env === 'prod' && (current.slack.mode === 'ENABLED' || current.github.mode === 'REAL')) {
    guidance.push(
      'Prod is live: the emergency off switch is SLACK_NOTIFICATIONS_ENABLED=false / GITHUB_ISSUE_CREATION_ENABLED=false.',
    );
  }
  return guidance;
}
