import type { Config, DeploymentEnv } from '../config/types.js';

export type SlackMode = 'ENABLED' | 'DISABLED';
export type SlackStatus = 'ENABLED' | 'DISABLED' | 'MISCONFIGURED';
export type GitHubMode = 'DISABLED' | 'DRY_RUN' | 'REAL';
export type GitHubStatus = 'ENABLED' | 'DRY_RUN' | 'DISABLED' | 'MISCONFIGURED';
export type StorageStatus = 'ENABLED' | 'DISABLED' | 'MISCONFIGURED';

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

/** The parts of Config the matrix reads; everything else cannot change a mode. */
export type MatrixInput = Pick<Config, 'slack' | 'github' | 'storage'>;

const DEFAULT_LABELS: Record<DeploymentEnv, string> = { dev: 'DEV', staging: 'STAGING', prod: 'PROD' };

export function slackLabel(input: MatrixInput, env: DeploymentEnv): string {
  return input.slack.envLabel ?? DEFAULT_LABELS[env];
}

/** CONTRACT §3: Slack is ENABLED only when the master switch, the environment override and a webhook all hold. */
export function resolveSlackMode(input: MatrixInput, env: DeploymentEnv): SlackResolution {
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
  if (!slack.webhookUrl) {
    return {
      mode: 'DISABLED',
      status: 'MISCONFIGURED',
      reason: 'Slack is switched on but SLACK_WEBHOOK_URL is missing',
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

/** CONTRACT §3: GitHub's mode for the environment, before any per-repo allowlist. */
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
 * The ledger and the shared state live in storage. It is needed whenever a channel acts (claims
 * keep side effects single) and above all for GitHub dry-run (the ledger is its only output).
 */
export function resolveStorage(input: MatrixInput, env: DeploymentEnv): StorageResolution {
  const { uri } = input.storage;
  const github = resolveGitHubMode(input, env).mode;
  const slack = resolveSlackMode(input, env).mode;
  const needed = github !== 'DISABLED' || slack === 'ENABLED';
  if (!uri) {
    return needed
      ? {
          status: 'MISCONFIGURED',
          reason:
            'STORAGE_URI is unset but a channel is active: the ledger and dedupe state have nowhere to go',
          uri,
        }
      : { status: 'DISABLED', reason: 'STORAGE_URI is unset and no channel needs it', uri };
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
