import { deepFreeze } from './deep-freeze.js';
import { INVENTORY, VARIABLES, type VariableName, type VariableValue } from './inventory.js';
import { loadRoutes } from './load-routes.js';
import { DEV_STATE_URI, resolveStateUri } from './state-uri.js';
import { DEV_STORAGE_URI, resolveStorageUri } from './storage-uri.js';
import type { Config, ConfigIssue, ConfigResult, LogLevel } from './types.js';
import { mayShowUrlText } from './value-types.js';

export type Env = Readonly<Record<string, string | undefined>>;

const SHOWN_VALUE_MAX = 120;

/**
 * Parses the environment into a frozen Config. Never throws and never stops at the first
 * problem: every bad variable becomes an issue and falls back to its fail-closed value, so
 * `check` can still report while the worker refuses to start.
 */
export function loadConfig(env: Env, opts: { readonly cwd: string }): ConfigResult {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const isSet = (name: VariableName) => present(env[name]) !== undefined;
  const read = <K extends VariableName>(name: K): VariableValue<K> => {
    const spec = VARIABLES[name];
    const text = present(env[name]);
    if (text === undefined) return spec.fallback;
    const parsed = spec.schema.safeParse(text);
    if (parsed.success) return parsed.data as VariableValue<K>;
    const problem = [...new Set(parsed.error.issues.map((issue) => issue.message))].join('; ');
    const shown = spec.secret
      ? 'the value is not shown'
      : spec.kind.type === 'url' && !mayShowUrlText(text)
        ? 'the value is not shown (it may hold a credential)'
        : `got ${showValue(text)}`;
    issues.push({ variable: name, concern: spec.concern, message: `${name}: ${problem}, ${shown}` });
    return spec.fallback;
  };

  const deploymentEnv = read('DEPLOYMENT_ENV');
  const deploymentEnvDefaulted = !isSet('DEPLOYMENT_ENV');
  if (deploymentEnvDefaulted) warnings.push('DEPLOYMENT_ENV is unset: treated as prod');

  const storageUri = read('STORAGE_URI');
  const storageDefaulted = !isSet('STORAGE_URI') && deploymentEnv === 'dev';
  const chosenStorageUri = storageDefaulted ? DEV_STORAGE_URI : storageUri;
  const stateUri = read('STATE_URI');
  const stateDefaulted = !isSet('STATE_URI') && deploymentEnv === 'dev';
  const chosenStateUri = stateDefaulted ? DEV_STATE_URI : stateUri;

  const routes = loadRoutes(read('ROUTES_FILE'), env, opts.cwd);
  issues.push(...routes.issues);

  const config: Config = {
    deploymentEnv,
    deploymentEnvDefaulted,
    slack: {
      notificationsEnabled: read('SLACK_NOTIFICATIONS_ENABLED'),
      webhookUrl: read('SLACK_WEBHOOK_URL'),
      enableStaging: read('SLACK_ENABLE_STAGING'),
      enableProd: read('SLACK_ENABLE_PROD'),
      envLabel: read('SLACK_ENV_LABEL'),
      batchWindowMs: read('SLACK_BATCH_WINDOW_MS'),
      batchMax: read('SLACK_BATCH_MAX'),
      minSeverity: read('SLACK_MIN_SEVERITY'),
      routeWebhooks: routes.webhooks,
    },
    github: {
      issueCreationEnabled: read('GITHUB_ISSUE_CREATION_ENABLED'),
      token: read('GITHUB_TOKEN'),
      dryRun: read('DRY_RUN'),
      enableStaging: read('GITHUB_ENABLE_STAGING'),
      enableProd: read('GITHUB_ENABLE_PROD'),
      repoAllowlist: read('GITHUB_REPO_ALLOWLIST'),
      apiUrl: read('GITHUB_API_URL'),
      minSeverity: read('GITHUB_MIN_SEVERITY'),
      writeIntervalMs: read('GITHUB_WRITE_INTERVAL_MS'),
      createLeaseMs: read('GITHUB_CREATE_LEASE_MS'),
    },
    routes: { file: routes.file, list: routes.list },
    storage: {
      uri: chosenStorageUri === undefined ? undefined : resolveStorageUri(chosenStorageUri, opts.cwd),
      defaulted: storageDefaulted,
      emulatorHost: read('STORAGE_EMULATOR_HOST'),
    },
    state: {
      uri: chosenStateUri === undefined ? undefined : resolveStateUri(chosenStateUri, opts.cwd),
      defaulted: stateDefaulted,
      leaseMs: read('CLAIM_LEASE_MS'),
      outboxMaxItems: read('OUTBOX_MAX_ITEMS'),
    },
    pubsub: {
      projectId: read('GOOGLE_CLOUD_PROJECT'),
      emulatorHost: read('PUBSUB_EMULATOR_HOST'),
      findingsTopic: read('FINDINGS_TOPIC'),
      findingsSubscription: read('FINDINGS_SUBSCRIPTION'),
      deadLetterTopic: read('DEAD_LETTER_TOPIC'),
      deadLetterSubscription: read('DEAD_LETTER_SUBSCRIPTION'),
      maxDeliveryAttempts: read('MAX_DELIVERY_ATTEMPTS'),
    },
    dedupeWindowS: read('DEDUPE_WINDOW_S'),
    port: read('PORT'),
    httpHost: read('HTTP_HOST'),
    logLevel: read('LOG_LEVEL') satisfies LogLevel,
    logPretty: read('LOG_PRETTY'),
    tracing: read('TRACING_ENABLED'),
  };

  // Routed webhook secrets are not in the inventory: they sort with SLACK_WEBHOOK_URL.
  const order = (issue: ConfigIssue) =>
    INVENTORY.findIndex(
      (spec) =>
        spec.name ===
        (issue.variable.startsWith('SLACK_WEBHOOK_URL_') ? 'SLACK_WEBHOOK_URL' : issue.variable),
    );
  issues.sort((a, b) => order(a) - order(b));
  return deepFreeze({ config, issues, warnings });
}

/** One readable error for a worker that refuses to start. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  if (issues.length === 0) return 'finding-relay: configuration has no problems';
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [
    `finding-relay: configuration has ${count}:`,
    ...issues.map((issue) => `  - ${issue.message}`),
  ].join('\n');
}

/** Empty and blank values count as unset; others are trimmed. */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** Quoted, shortened, and with any `user:password@` in a URL masked. */
function showValue(text: string): string {
  const masked = text.replace(/\/\/[^/@\s]*@/g, '//***@');
  const short = masked.length > SHOWN_VALUE_MAX ? `${masked.slice(0, SHOWN_VALUE_MAX)}…` : masked;
  return JSON.stringify(short);
}
