import type { z } from 'zod';
import { repoAllowlistType } from './repo-allowlist.js';
import { DEV_STATE_URI, stateUriType } from './state-uri.js';
import { DEV_STORAGE_URI, storageUriType } from './storage-uri.js';
import { type ConfigConcern, DEPLOYMENT_ENVS, SEVERITIES } from './types.js';
import {
  booleanType,
  enumType,
  integerType,
  patternType,
  urlType,
  type VariableKind,
  type VariableType,
} from './value-types.js';

/** One environment variable: how to parse it, what it falls back to, and how to document it. */
export interface VariableSpec<T = unknown, F = unknown> {
  readonly name: string;
  readonly concern: ConfigConcern;
  readonly kind: VariableKind;
  /** Parses the trimmed, non-empty text of the variable. */
  readonly schema: z.ZodType<T, string>;
  /** Value when unset, and the fail-closed value when the text is invalid. */
  readonly fallback: F;
  /** The default as operators read it in the docs. */
  readonly default: string;
  /** The value on the commented `NAME=` line of .env.example (empty when there is no plain default). */
  readonly example: string;
  /** One line. */
  readonly description: string;
  /** A secret's value never appears in an issue, log line or record. */
  readonly secret: boolean;
  /** Not in docs/contract.md §2's table: read because a client library honours it. */
  readonly honoured: boolean;
}

type SpecBody<T, F> = Omit<VariableSpec<T, F>, 'name' | 'kind' | 'schema' | 'example' | 'honoured'> &
  VariableType<T> & { readonly example?: string; readonly honoured?: boolean };

function variable<T, const F>(body: SpecBody<T, F>): Omit<VariableSpec<T, F>, 'name'> {
  return { ...body, example: body.example ?? '', honoured: body.honoured ?? false };
}

function flag(concern: ConfigConcern, fallback: boolean, description: string) {
  return variable({
    concern,
    ...booleanType(),
    fallback,
    default: String(fallback),
    example: String(fallback),
    description,
    secret: false,
  });
}

const SEVERITY_FLOOR = enumType(SEVERITIES);
const PUBSUB_NAME = patternType(
  'string',
  'a Pub/Sub name: 3 to 255 letters, digits or "-_.~+%", starting with a letter and not with "goog"',
  /^(?!goog)[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/,
);

function pubsubName(fallback: string, description: string) {
  return variable({
    concern: 'pubsub',
    ...PUBSUB_NAME,
    fallback,
    default: fallback,
    example: fallback,
    description,
    secret: false,
  });
}

const SPECS = {
  DEPLOYMENT_ENV: variable({
    concern: 'environment',
    ...enumType(DEPLOYMENT_ENVS, { development: 'dev', stage: 'staging', production: 'prod' }),
    fallback: 'prod',
    default: 'unset = treated as prod (fail closed), with a warning',
    description: 'The environment this worker runs in; it decides which safety gates apply.',
    secret: false,
  }),

  SLACK_NOTIFICATIONS_ENABLED: flag('slack', false, 'Slack master switch, in every environment.'),
  SLACK_WEBHOOK_URL: variable({
    concern: 'slack',
    ...urlType({
      form: 'an https URL (http only for a loopback test server)',
      allowHttp: false,
      allowQuery: false,
      trimTrailingSlash: false,
    }),
    fallback: undefined,
    default: 'none',
    description:
      'Slack incoming webhook. A secret: never logged, never in the ledger; keep it in Secret Manager.',
    secret: true,
  }),
  SLACK_ENABLE_STAGING: flag('slack', false, 'Explicit opt-in: without it Slack stays disabled in staging.'),
  SLACK_ENABLE_PROD: flag('slack', false, 'Explicit opt-in: without it Slack stays disabled in prod.'),
  SLACK_ENV_LABEL: variable({
    concern: 'slack',
    ...patternType(
      'string',
      '1 to 32 letters, digits, spaces, "_", "." or "-"',
      /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,31}$/,
    ),
    fallback: undefined,
    default: 'DEV / STAGING / PROD by environment',
    description:
      'Text of the `[LABEL]` prefix of every Slack message and of GitHub issue titles outside prod.',
    secret: false,
  }),
  SLACK_BATCH_WINDOW_MS: variable({
    concern: 'slack',
    ...integerType(0, 600_000, 'milliseconds'),
    fallback: 5000,
    default: '5000',
    example: '5000',
    description: 'How long findings gather into one Slack digest; 0 sends what is in hand at once.',
    secret: false,
  }),
  SLACK_BATCH_MAX: variable({
    concern: 'slack',
    ...integerType(1, 45),
    fallback: 20,
    default: '20',
    example: '20',
    description:
      'Findings a digest lists in full (most severe first, the rest counted); at most 45 because Slack allows 50 blocks a message and header, counts and footer need up to 5.',
    secret: false,
  }),
  SLACK_MIN_SEVERITY: variable({
    concern: 'slack',
    ...SEVERITY_FLOOR,
    fallback: 'info',
    default: 'info',
    example: 'info',
    description: 'Slack drops findings below this severity (`below-severity`).',
    secret: false,
  }),

  GITHUB_ISSUE_CREATION_ENABLED: flag('github', false, 'GitHub master switch, in every environment.'),
  GITHUB_TOKEN: variable({
    concern: 'github',
    ...patternType('string', 'a token: printable characters without spaces', /^[\x21-\x7e]{1,1000}$/),
    fallback: undefined,
    default: 'none',
    description:
      'GitHub token that creates and comments on issues. A secret: never logged; keep it in Secret Manager.',
    secret: true,
  }),
  DRY_RUN: flag(
    'github',
    true,
    'GitHub dry-run: would-be issues go to the ledger; only `false` (with a token) writes real issues.',
  ),
  GITHUB_ENABLE_STAGING: flag(
    'github',
    false,
    'Explicit opt-in: without it GitHub stays in dry-run in staging.',
  ),
  GITHUB_ENABLE_PROD: flag(
    'github',
    false,
    'Explicit opt-in: without it GitHub stays disabled in prod, dry-run included.',
  ),
  GITHUB_REPO_ALLOWLIST: variable({
    concern: 'github',
    ...repoAllowlistType(),
    fallback: [] as readonly string[],
    default: 'empty = no repo',
    description:
      'Repositories GitHub may write to (case-insensitive); findings for others are dropped (`not-allowlisted`).',
    secret: false,
  }),
  GITHUB_API_URL: variable({
    concern: 'github',
    // The token travels with every request: plain http only to a loopback test server.
    ...urlType({
      form: 'an https URL (http only for a loopback test server)',
      allowHttp: false,
      allowQuery: false,
      trimTrailingSlash: true,
    }),
    fallback: 'https://api.github.com',
    default: 'https://api.github.com',
    example: 'https://api.github.com',
    description:
      'GitHub REST API base: github.com, GitHub Enterprise Server (`https://HOST/api/v3`) or a local test server (the only place plain http is accepted). The token is sent there: `check` warns about any host but api.github.com.',
    secret: false,
  }),
  GITHUB_WRITE_INTERVAL_MS: variable({
    concern: 'github',
    ...integerType(0, 60_000, 'ms'),
    fallback: 3000,
    default: '3000',
    example: '3000',
    description:
      "Not in the contract table: spacing between GitHub writes (Octokit's pacing for writes that notify). Lower it only for GitHub Enterprise Server with higher limits or a local test server.",
    secret: false,
    honoured: true,
  }),
  GITHUB_CREATE_LEASE_MS: variable({
    concern: 'github',
    ...integerType(5_000, 3_600_000, 'ms'),
    fallback: 120_000,
    default: '120000',
    example: '120000',
    description:
      "Not in the contract table: how long a worker's claim on creating one (repo, fingerprint) issue lasts before another worker may take it over (renewed just before the request goes out). Shorten it only in tests.",
    secret: false,
    honoured: true,
  }),
  GITHUB_MIN_SEVERITY: variable({
    concern: 'github',
    ...SEVERITY_FLOOR,
    fallback: 'info',
    default: 'info',
    example: 'info',
    description: 'GitHub drops findings below this severity (`below-severity`).',
    secret: false,
  }),

  ROUTES_FILE: variable({
    concern: 'routes',
    ...patternType(
      'string',
      'a path to a YAML or JSON routes file (relative to the working directory)',
      /\S/,
    ),
    fallback: undefined,
    default: "none: every finding follows the default (SLACK_WEBHOOK_URL, the finding's repo)",
    description:
      'docs/contract.md §7: ordered routes sending findings to other Slack webhooks (URL from the secret `SLACK_WEBHOOK_URL_<NAME>`) or GitHub repos, or `off`; always under the safety matrix. A bad file stops the worker with every problem named (exit 78).',
    secret: false,
  }),
  STORAGE_URI: variable({
    concern: 'storage',
    ...storageUriType(),
    fallback: undefined,
    default: `${DEV_STORAGE_URI} in dev; none elsewhere`,
    description:
      'Where the dry-run ledger is written: Cloud Storage objects, or plain JSON Lines files under `ledger/ENV/YYYY/MM/DD/`.',
    secret: false,
  }),
  STORAGE_EMULATOR_HOST: variable({
    concern: 'storage',
    ...patternType(
      'string',
      'host:port or http://host:port (without a scheme the client assumes https://)',
      /^(?:https?:\/\/)?[A-Za-z0-9.-]+(?::\d{1,5})?\/*$/,
    ),
    fallback: undefined,
    default: 'none',
    description:
      'Not in the contract table: a Cloud Storage emulator for a gs:// STORAGE_URI instead of Google Cloud, as @google-cloud/storage honours it; docker compose sets http://gcs:4443 (fake-gcs-server).',
    secret: false,
    honoured: true,
  }),
  STATE_URI: variable({
    concern: 'state',
    ...stateUriType(),
    fallback: undefined,
    default: `${DEV_STATE_URI} in dev; none elsewhere`,
    description:
      "The worker's shared state (claims, dedupe windows, issue index, outbox): `sqlite:///abs/file.db` for one host, `firestore://PROJECT/DATABASE` for a fleet. Required outside dev whenever a channel is active.",
    secret: false,
  }),
  OUTBOX_MAX_ITEMS: variable({
    concern: 'state',
    ...integerType(100, 10_000_000, 'items'),
    fallback: 100_000,
    default: '100000',
    example: '100000',
    description:
      'Not in the contract table: past this many queued entries intake stops acking and the backlog stays in Pub/Sub (backpressure), shown on /readyz and the status page.',
    secret: false,
    honoured: true,
  }),
  CLAIM_LEASE_MS: variable({
    concern: 'state',
    ...integerType(5_000, 3_600_000, 'ms'),
    fallback: 30_000,
    default: '30000',
    example: '30000',
    description:
      "Not in the contract table: lease of a dispatcher on its target (one per Slack webhook and GitHub token, fleet-wide); renewed every third of it while the holder lives, taken over by another worker once a crashed holder's lease ends.",
    secret: false,
    honoured: true,
  }),

  GOOGLE_CLOUD_PROJECT: variable({
    concern: 'pubsub',
    ...patternType(
      'string',
      'a project id: lower-case letters, digits, "-", "." or ":"',
      /^[a-z][a-z0-9.:-]{0,98}[a-z0-9]$/,
    ),
    fallback: undefined,
    default: 'none: the client library finds it from the credentials',
    description: 'Google Cloud project of the Pub/Sub topics and subscriptions.',
    secret: false,
  }),
  PUBSUB_EMULATOR_HOST: variable({
    concern: 'pubsub',
    ...patternType(
      'string',
      'host:port (an http:// prefix is allowed)',
      /^(?:https?:\/\/)?[A-Za-z0-9.-]+(?::\d{1,5})?\/*$/,
    ),
    fallback: undefined,
    default: 'none',
    description:
      'Not in the contract table: a Pub/Sub emulator to use instead of Google Cloud, as @google-cloud/pubsub honours it.',
    secret: false,
    honoured: true,
  }),
  FINDINGS_TOPIC: pubsubName('findings', 'Topic the agents publish findings to.'),
  FINDINGS_SUBSCRIPTION: pubsubName('finding-relay', 'Subscription the worker pulls findings from.'),
  DEAD_LETTER_TOPIC: pubsubName(
    'findings-dead-letter',
    'Topic for messages the relay cannot deliver, with the reason.',
  ),
  DEAD_LETTER_SUBSCRIPTION: pubsubName(
    'findings-dead-letter-inspect',
    'Subscription on the dead-letter topic that `dlq` reads, replays and purges.',
  ),
  MAX_DELIVERY_ATTEMPTS: variable({
    concern: 'pubsub',
    ...integerType(5, 100),
    fallback: 5,
    default: '5',
    example: '5',
    description: "Deliveries before Pub/Sub's dead-letter policy takes a message (Pub/Sub allows 5 to 100).",
    secret: false,
  }),

  DEDUPE_WINDOW_S: variable({
    concern: 'worker',
    ...integerType(0, 30 * 24 * 3600, 'seconds, up to 30 days'),
    fallback: 86_400,
    default: '86400',
    example: '86400',
    description:
      'A fingerprint seen within this window is not announced again; an open issue gets one comment per window.',
    secret: false,
  }),
  PORT: variable({
    concern: 'worker',
    ...integerType(0, 65_535),
    fallback: 8080,
    default: '8080',
    example: '8080',
    description:
      'HTTP port for health, readiness, metrics, the status page and the outcomes API; 0 picks a free one.',
    secret: false,
  }),
  HTTP_HOST: variable({
    concern: 'worker',
    ...patternType('string', 'an interface address or host name', /^[A-Za-z0-9.:-]{1,253}$/),
    fallback: '127.0.0.1',
    default: '127.0.0.1',
    example: '127.0.0.1',
    description:
      'Not in the contract table: the interface the HTTP server binds. Loopback by default; containers set 0.0.0.0 so health checks reach it.',
    secret: false,
    honoured: true,
  }),
  LOG_LEVEL: variable({
    concern: 'worker',
    ...enumType(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    fallback: 'info',
    default: 'info',
    example: 'info',
    description: 'pino log level.',
    secret: false,
  }),
  TRACING_ENABLED: variable({
    concern: 'worker',
    ...booleanType(),
    fallback: false,
    default: 'false',
    example: 'false',
    description:
      "Not in the contract table: OpenTelemetry trace context. The Pub/Sub client's own tracing is turned on (spans, with an OpenTelemetry SDK registered in the process), and each outcome log line carries the trace of the message's `googclient_traceparent` attribute (`trace_id`, `span_id`: Cloud Logging's trace fields), as the publisher library sets it with `tracing: true`.",
    secret: false,
    honoured: true,
  }),
  LOG_PRETTY: variable({
    concern: 'worker',
    ...booleanType(),
    fallback: false,
    default: 'false',
    example: 'false',
    description:
      'Not in the contract table: human-readable log lines through pino-pretty (a development dependency; JSON when it is not installed).',
    secret: false,
    honoured: true,
  }),
};

type Named<M> = { readonly [K in keyof M]: M[K] & { readonly name: K } };

function withNames<M extends Record<string, object>>(specs: M): Named<M> {
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { ...spec, name }]),
  ) as Named<M>;
}

/** Every variable finding-relay reads, keyed by name; the one source for parsing and docs. */
export const VARIABLES = withNames(SPECS);

export type VariableName = keyof typeof VARIABLES;

/** The parsed value of a variable, including its fallback. */
export type VariableValue<K extends VariableName> =
  | z.output<(typeof VARIABLES)[K]['schema']>
  | (typeof VARIABLES)[K]['fallback'];

/** The inventory in display order: grouped by concern, as docs/contract.md §2 lists them within. */
export const INVENTORY: readonly VariableSpec[] = Object.values(VARIABLES);
