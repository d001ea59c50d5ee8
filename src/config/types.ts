import type { Severity } from '@finding-relay/publisher';
import type { RouteSpec } from './routes-file.js';

export const DEPLOYMENT_ENVS = ['dev', 'staging', 'prod'] as const;
export type DeploymentEnv = (typeof DEPLOYMENT_ENVS)[number];

/** Finding schema v1's severities, defined once in the publisher package. */
export { SEVERITIES, type Severity } from '@finding-relay/publisher';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Which part of the product a variable belongs to: a bad value makes that part MISCONFIGURED. */
export type ConfigConcern =
  | 'environment'
  | 'slack'
  | 'github'
  | 'routes'
  | 'storage'
  | 'state'
  | 'pubsub'
  | 'worker';

/** The typed, frozen configuration: parsed once at the edge from the environment. */
export interface Config {
  readonly deploymentEnv: DeploymentEnv;
  /** True when DEPLOYMENT_ENV was unset (treated as prod, fail closed). */
  readonly deploymentEnvDefaulted: boolean;
  readonly slack: {
    readonly notificationsEnabled: boolean;
    /** A secret. */
    readonly webhookUrl: string | undefined;
    readonly enableStaging: boolean;
    readonly enableProd: boolean;
    /** SLACK_ENV_LABEL when set; otherwise the label is derived from the environment. */
    readonly envLabel: string | undefined;
    readonly batchWindowMs: number;
    readonly batchMax: number;
    readonly minSeverity: Severity;
    /** Secrets: the URL of each webhook the routes name (SLACK_WEBHOOK_URL_<NAME>); undefined when unset. */
    readonly routeWebhooks: Readonly<Record<string, string | undefined>>;
  };
  readonly github: {
    readonly issueCreationEnabled: boolean;
    /** A secret. */
    readonly token: string | undefined;
    readonly dryRun: boolean;
    readonly enableStaging: boolean;
    readonly enableProd: boolean;
    /** `owner/name` or `owner/*` entries, lower-cased. Empty = no repo allowed. */
    readonly repoAllowlist: readonly string[];
    readonly apiUrl: string;
    readonly minSeverity: Severity;
    /** GITHUB_WRITE_INTERVAL_MS: spacing of writes (3 s, as Octokit paces writes that notify). */
    readonly writeIntervalMs: number;
    /** GITHUB_CREATE_LEASE_MS: how long a claim on creating one issue lasts (2 min). */
    readonly createLeaseMs: number;
  };
  /** ROUTES_FILE (docs/contract.md §7): routes in file order; empty when none is set. */
  readonly routes: {
    /** The file as resolved (absolute); undefined when ROUTES_FILE is unset. */
    readonly file: string | undefined;
    readonly list: readonly RouteSpec[];
  };
  /** STORAGE_URI: the dry-run ledger's place. */
  readonly storage: {
    /** `gs://bucket/prefix` or `file:///abs/path`; undefined when none is configured. */
    readonly uri: string | undefined;
    /** True when the uri came from the dev default rather than STORAGE_URI. */
    readonly defaulted: boolean;
    /** STORAGE_EMULATOR_HOST: a Cloud Storage emulator for a gs:// uri (docker compose: fake-gcs-server). */
    readonly emulatorHost: string | undefined;
  };
  /** STATE_URI: claims, dedupe windows, the issue index and the outbox. */
  readonly state: {
    /** `sqlite:///abs/file.db` or `firestore://PROJECT/DATABASE`; undefined when none is configured. */
    readonly uri: string | undefined;
    /** True when the uri came from the dev default rather than STATE_URI. */
    readonly defaulted: boolean;
    /** CLAIM_LEASE_MS: a dispatcher's lease on its target (30 s), renewed while it lives. */
    readonly leaseMs: number;
    /** OUTBOX_MAX_ITEMS: past it intake stops acking (backpressure). */
    readonly outboxMaxItems: number;
  };
  readonly pubsub: {
    readonly projectId: string | undefined;
    readonly emulatorHost: string | undefined;
    readonly findingsTopic: string;
    readonly findingsSubscription: string;
    readonly deadLetterTopic: string;
    readonly deadLetterSubscription: string;
    readonly maxDeliveryAttempts: number;
  };
  readonly dedupeWindowS: number;
  readonly port: number;
  /** HTTP_HOST: where the HTTP server binds (127.0.0.1 unless a container says 0.0.0.0). */
  readonly httpHost: string;
  readonly logLevel: LogLevel;
  /** LOG_PRETTY: pino-pretty lines instead of JSON (development). */
  readonly logPretty: boolean;
  /** TRACING_ENABLED: the Pub/Sub client's OpenTelemetry tracing, and trace ids on outcome lines. */
  readonly tracing: boolean;
}

export interface ConfigIssue {
  readonly variable: string;
  readonly concern: ConfigConcern;
  /** Human text; names the bad value unless the variable is a secret. */
  readonly message: string;
}

/**
 * Parsing never throws: `config` is always usable (bad values fall back to their fail-closed
 * default) so `check` can report; the worker refuses to start when `issues` is non-empty.
 */
export interface ConfigResult {
  readonly config: Config;
  readonly issues: readonly ConfigIssue[];
  /** Non-fatal observations, e.g. `DEPLOYMENT_ENV is unset: treated as prod`. */
  readonly warnings: readonly string[];
}
