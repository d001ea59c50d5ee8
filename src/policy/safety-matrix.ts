import { webhookSecretName } from '../config/routes-file.js';
import type { Config, DeploymentEnv } from '../config/types.js';

export type SlackMode = 'ENABLED' | 'DISABLED';
export type SlackStatus = 'ENABLED' | 'DISABLED' | 'MISCONFIGURED';
export type GitHubMode = 'DISABLED' | 'DRY_RUN' | 'REAL';
export type GitHubStatus = 'ENABLED' | 'DRY_RUN' | 'DISABLED' | 'MISCONFIGURED';
export type StorageStatus = 'ENABLED' | 'DISABLED' | 'MISCONFIGURED';
export type StateStatus = 'ENABLED' | 'DISABLED' | 'MISCONFIGURED';
export type StateBackend = 'sqlite' | 'firestore' | 'none';

export interface SlackResolution {
  readonly mode: SlackMode;
  readonly status: SlackStatus;
  /** Why it resolved this way, in operator words. */
  readonly reason: string;
  /** The text inside the `[LABEL]` prefix. */
  readonly label: string;
}

export interface GitHubResolution {
  readonly mode: GitHubMode;
  readonly status: GitHubStatus;
  readonly reason: string;
  /** The `[LABEL] ` title prefix; undefined in prod, where titles carry none. */
  readonly titlePrefix: string | undefined;
}

export interface StorageResolution {
  readonly status: StorageStatus;
  readonly reason: string;
  /** `gs://…` or `file://…`; a location, never a credential. */
  readonly uri: string | undefined;
}

export interface StateResolution {
  readonly backend: StateBackend;
  readonly status: StateStatus;
  readonly reason: string;
  /** `sqlite://…` or `firestore://…`; a location, never a credential. */
  readonly uri: string | undefined;
  /** Said by `check` and at start, without making the state MISCONFIGURED. */
  readonly warning?: string;
}

/** The parts of Config the matrix reads; everything else cannot change a mode. */
export type MatrixInput = Pick<Config, 'slack' | 'github' | 'storage' | 'state'>;

const DEFAULT_LABELS: Record<DeploymentEnv, string> = { dev: 'DEV', staging: 'STAGING', prod: 'PROD' };

export function slackLabel(input: MatrixInput, env: DeploymentEnv): string {
  return input.slack.envLabel ?? DEFAULT_LABELS[env];
}

/**
 * docs/contract.md §3: Slack is ENABLED only when the master switch, the environment override and a
 * webhook all hold.
 */
export function resolveSlackMode(input: MatrixInput, env: DeploymentEnv): SlackResolution {
  return resolveSlackWebhook(input, env, 'SLACK_WEBHOOK_URL', input.slack.webhookUrl);
}

/**
 * The same rule for any one webhook: the default one or a route's (its secret named `secret`).
 * Routes change which webhook a finding goes to, never the flags that open Slack at all.
 */
export function resolveSlackWebhook(
  input: MatrixInput,
  env: DeploymentEnv,
  secret: string,
  webhookUrl: string | undefined,
): SlackResolution {
  const { slack } = input;
  const label = slackLabel(input, env);
  const disabled = (reason: string): SlackResolution => ({
    mode: 'DISABLED',
    status: 'DISABLED',
    reason,
    label,
  });
  if (!slack.notificationsEnabled) return disabled('SLACK_NOTIFICATIONS_ENABLED is false');
  if (env === 'staging' && !slack.enableStaging)
    return disabled('staging requires SLACK_ENABLE_STAGING=true');
  if (env === 'prod' && !slack.enableProd) return disabled('prod requires SLACK_ENABLE_PROD=true');
  if (!webhookUrl) {
    return {
      mode: 'DISABLED',
      status: 'MISCONFIGURED',
      reason: `Slack is switched on but ${secret} is missing`,
      label,
    };
  }
  const override =
    env === 'staging' ? ' and SLACK_ENABLE_STAGING' : env === 'prod' ? ' and SLACK_ENABLE_PROD' : '';
  return {
    mode: 'ENABLED',
    status: 'ENABLED',
    reason: `SLACK_NOTIFICATIONS_ENABLED${override} are on and a webhook is set`,
    label,
  };
}

/** docs/contract.md §3: GitHub's mode for the environment, before any per-repo allowlist. */
export function resolveGitHubMode(input: MatrixInput, env: DeploymentEnv): GitHubResolution {
  const { github } = input;
  const titlePrefix = env === 'prod' ? undefined : `[${slackLabel(input, env)}] `;
  const result = (mode: GitHubMode, status: GitHubStatus, reason: string): GitHubResolution => ({
    mode,
    status,
    reason,
    titlePrefix,
  });
  if (!github.issueCreationEnabled)
    return result('DISABLED', 'DISABLED', 'GITHUB_ISSUE_CREATION_ENABLED is false');
  if (env === 'prod' && !github.enableProd) {
    return result('DISABLED', 'DISABLED', 'prod requires GITHUB_ENABLE_PROD=true');
  }
  if (env === 'staging' && !github.enableStaging) {
    return result('DRY_RUN', 'DRY_RUN', 'staging is dry-run unless GITHUB_ENABLE_STAGING=true');
  }
  if (github.dryRun) return result('DRY_RUN', 'DRY_RUN', 'DRY_RUN is true');
  if (!github.token) {
    return result(
      'DRY_RUN',
      'MISCONFIGURED',
      'DRY_RUN=false but GITHUB_TOKEN is missing: staying in dry-run',
    );
  }
  return result('REAL', 'ENABLED', 'DRY_RUN=false and a token is set');
}

/** Whether `owner/name` matches an allowlist entry (`owner/name` or `owner/*`), case-insensitively. */
export function isRepoAllowlisted(allowlist: readonly string[], repo: string): boolean {
  const wanted = repo.toLowerCase();
  const owner = wanted.split('/')[0];
  return allowlist.some((entry) => {
    const e = entry.toLowerCase();
    return e === wanted || e === `${owner}/*`;
  });
}

/**
 * STORAGE_URI holds the dry-run ledger, GitHub dry-run's only output: needed exactly when GitHub
 * is in DRY_RUN, and then it must be durable (a file:// ledger outside dev is lost with its host).
 */
export function resolveStorage(input: MatrixInput, env: DeploymentEnv): StorageResolution {
  const { uri } = input.storage;
  const github = resolveGitHubMode(input, env).mode;
  if (!uri) {
    return github === 'DRY_RUN'
      ? {
          status: 'MISCONFIGURED',
          reason: 'STORAGE_URI is unset but GitHub is in DRY_RUN: its ledger has nowhere to go',
          uri,
        }
      : { status: 'DISABLED', reason: 'STORAGE_URI is unset and no dry-run ledger is written', uri };
  }
  if (uri.startsWith('file:') && env !== 'dev' && github === 'DRY_RUN') {
    return {
      status: 'MISCONFIGURED',
      reason: `a file:// store is not durable outside dev, and GitHub is in DRY_RUN (its ledger would be lost)`,
      uri,
    };
  }
  return { status: 'ENABLED', reason: uri.startsWith('gs:') ? 'Cloud Storage bucket' : 'local files', uri };
}

/**
 * STATE_URI holds claims, dedupe windows, the issue index and the outbox: every active channel
 * needs it (a message is acked only once its work is durable there): sqlite on one host, Firestore
 * for a fleet.
 */
export function resolveState(input: MatrixInput, env: DeploymentEnv): StateResolution {
  const { uri } = input.state;
  const needed =
    resolveGitHubMode(input, env).mode !== 'DISABLED' ||
    resolveSlackMode(input, env).mode === 'ENABLED' ||
    Object.entries(input.slack.routeWebhooks).some(
      ([name, url]) => resolveSlackWebhook(input, env, webhookSecretName(name), url).mode === 'ENABLED',
    );
  const backend: StateBackend = uri?.startsWith('sqlite:')
    ? 'sqlite'
    : uri?.startsWith('firestore:')
      ? 'firestore'
      : 'none';
  if (!needed)
    return { backend, status: 'DISABLED', reason: 'no channel is active, so no state is kept', uri };
  if (!uri) {
    return {
      backend,
      status: 'MISCONFIGURED',
      reason: 'STATE_URI is unset but a channel is active: claims, dedupe and the outbox have nowhere to go',
      uri,
    };
  }
  if (backend === 'firestore') {
    return { backend, status: 'ENABLED', reason: 'Firestore (shared by the fleet)', uri };
  }
  return {
    backend,
    status: 'ENABLED',
    reason: 'embedded SQLite (one host)',
    uri,
    ...(env === 'dev'
      ? {}
      : {
          warning: `STATE_URI is sqlite in ${env}: one host only, and its file must be on a persistent disk (an outbox on a container's ephemeral disk is lost with the container)`,
        }),
  };
}
