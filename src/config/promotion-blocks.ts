import type { VariableName } from './inventory.js';
import type { DeploymentEnv } from './types.js';

/** Placeholders that cannot be mistaken for (or scanned as) real secrets. */
export const PLACEHOLDER_WEBHOOK_URL = 'https://hooks.slack.com/services/XXX/YYY/ZZZ';
export const PLACEHOLDER_GITHUB_TOKEN = 'replace-with-a-fine-grained-token-from-secret-manager';

export type Setting = readonly [VariableName, string];

export interface PromotionStep {
  readonly notes: readonly string[];
  readonly settings: readonly Setting[];
  /** A separate, deliberate step: written as `## NAME=value` so it is never enabled by accident. */
  readonly deliberate: boolean;
}

export interface PromotionBlock {
  readonly env: DeploymentEnv;
  readonly title: string;
  readonly steps: readonly PromotionStep[];
}

/** The dev → staging → prod path of the seed's rollout guide, as .env.example shows it. */
export const PROMOTION_BLOCKS: readonly PromotionBlock[] = [
  {
    env: 'dev',
    title: 'dev: Slack on, GitHub dry-run',
    steps: [
      {
        notes: [
          'Slack posts to the dev channel with a [DEV] prefix; GitHub only writes the dry-run ledger.',
          'For real issues in dev, add DRY_RUN=false and a GITHUB_TOKEN.',
        ],
        settings: [
          ['DEPLOYMENT_ENV', 'dev'],
          ['SLACK_NOTIFICATIONS_ENABLED', 'true'],
          ['SLACK_WEBHOOK_URL', PLACEHOLDER_WEBHOOK_URL],
          ['GITHUB_ISSUE_CREATION_ENABLED', 'true'],
          ['DRY_RUN', 'true'],
          ['GITHUB_REPO_ALLOWLIST', 'your-org/finding-relay-sandbox'],
          ['STORAGE_URI', 'file://./.finding-relay'],
          ['GOOGLE_CLOUD_PROJECT', 'your-project-dev'],
        ],
        deliberate: false,
      },
    ],
  },
  {
    env: 'staging',
    title: 'staging: every channel opted in explicitly, GitHub dry-run',
    steps: [
      {
        notes: [
          'Slack needs SLACK_ENABLE_STAGING; GitHub stays in dry-run unless GITHUB_ENABLE_STAGING.',
          'Hold staging for 1-2 days before prod.',
        ],
        settings: [
          ['DEPLOYMENT_ENV', 'staging'],
          ['SLACK_NOTIFICATIONS_ENABLED', 'true'],
          ['SLACK_ENABLE_STAGING', 'true'],
          ['SLACK_WEBHOOK_URL', PLACEHOLDER_WEBHOOK_URL],
          ['SLACK_ENV_LABEL', 'STAGING'],
          ['GITHUB_ISSUE_CREATION_ENABLED', 'true'],
          ['DRY_RUN', 'true'],
          ['GITHUB_REPO_ALLOWLIST', 'your-org/finding-relay-staging'],
          ['STORAGE_URI', 'gs://your-org-finding-relay-staging/relay'],
          ['GOOGLE_CLOUD_PROJECT', 'your-project-staging'],
        ],
        deliberate: false,
      },
      {
        notes: ['Optional: real issues in staging, once `finding-relay ledger show` looks right.'],
        settings: [
          ['GITHUB_ENABLE_STAGING', 'true'],
          ['DRY_RUN', 'false'],
          ['GITHUB_TOKEN', PLACEHOLDER_GITHUB_TOKEN],
        ],
        deliberate: true,
      },
    ],
  },
  {
    env: 'prod',
    title: 'prod: locked by default, opened in two phases',
    steps: [
      {
        notes: [
          'Phase 3a: Slack only. GitHub stays DISABLED in prod until GITHUB_ENABLE_PROD is set.',
          'Roll back with SLACK_ENABLE_PROD=false (or the master switch) and a redeploy.',
        ],
        settings: [
          ['DEPLOYMENT_ENV', 'prod'],
          ['SLACK_NOTIFICATIONS_ENABLED', 'true'],
          ['SLACK_ENABLE_PROD', 'true'],
          ['SLACK_WEBHOOK_URL', PLACEHOLDER_WEBHOOK_URL],
          ['STORAGE_URI', 'gs://your-org-finding-relay-prod/relay'],
          ['GOOGLE_CLOUD_PROJECT', 'your-project-prod'],
        ],
        deliberate: false,
      },
      {
        notes: [
          'Phase 3b: real GitHub issues in prod. DELIBERATE: only after a 24-hour hold on Phase 3a,',
          "staging validated for 1-2 days and a team lead's sign-off. Allowlist only the",
          'repositories that agreed to receive issues. Roll back with GITHUB_ENABLE_PROD=false.',
        ],
        settings: [
          ['GITHUB_ISSUE_CREATION_ENABLED', 'true'],
          ['GITHUB_ENABLE_PROD', 'true'],
          ['DRY_RUN', 'false'],
          ['GITHUB_TOKEN', PLACEHOLDER_GITHUB_TOKEN],
          ['GITHUB_REPO_ALLOWLIST', 'your-org/service-a,your-org/service-b'],
        ],
        deliberate: true,
      },
    ],
  },
];
