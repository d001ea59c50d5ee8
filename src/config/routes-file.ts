import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatMatcher, type Matcher, parseMatcher } from '../policy/matchers.js';
import { SEVERITIES, type Severity } from './types.js';

/**
 * ROUTES_FILE (docs/contract.md §7): an ordered list of routes, YAML or JSON (JSON is YAML). Parsed once at
 * start into typed values; every problem is named with its route and field, so a bad file stops
 * the worker with all of them at once. Webhook URLs are never in the file: a route names a
 * webhook and its URL comes from the secret `SLACK_WEBHOOK_URL_<NAME>`.
 */
export interface SlackRoute {
  /** The webhook's name (its URL: SLACK_WEBHOOK_URL_<NAME>); absent = the default SLACK_WEBHOOK_URL. */
  readonly webhook?: string;
  /** Raises SLACK_MIN_SEVERITY for this route's findings (never lowers it). */
  readonly minSeverity?: Severity;
  /** The digest window of the route's webhook (absent: SLACK_BATCH_WINDOW_MS). */
  readonly batchWindowMs?: number;
}

export interface GitHubRoute {
  /** Issues go to this repo instead of the finding's own (still under GITHUB_REPO_ALLOWLIST). */
  readonly repo?: string;
  /** Raises GITHUB_MIN_SEVERITY for this route's findings (never lowers it). */
  readonly minSeverity?: Severity;
}

export interface RouteSpec {
  readonly name: string;
  /** As written (for check and logs). */
  readonly match: readonly string[];
  readonly matchers: readonly Matcher[];
  /** Absent: the route leaves Slack to the default (or, with continue, to a later route). */
  readonly slack?: SlackRoute | 'off';
  readonly github?: GitHubRoute | 'off';
  readonly continue: boolean;
}

export const WEBHOOK_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/** A routes file bigger than this is a mistake (a log file named by accident), not a configuration. */
export const MAX_ROUTES_FILE_BYTES = 1024 * 1024;

/** The secret that holds a routed webhook's URL. */
export function webhookSecretName(webhook: string): string {
  return `SLACK_WEBHOOK_URL_${webhook}`;
}

const severity = z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` });
const off = z.literal('off', { error: 'expected "off" or an object' });

const slackSchema = z.union([
  off,
  z.strictObject({
    webhook: z
      .string({ error: 'expected a webhook name' })
      .regex(
        WEBHOOK_NAME,
        'expected an upper-case name of letters, digits and "_" (its URL is the secret SLACK_WEBHOOK_URL_<NAME>)',
      )
      .optional(),
    minSeverity: severity.optional(),
    batchWindowMs: z
      .number({ error: 'expected an integer from 0 to 600000 (milliseconds)' })
      .int('expected an integer from 0 to 600000 (milliseconds)')
      .min(0, 'expected an integer from 0 to 600000 (milliseconds)')
      .max(600_000, 'expected an integer from 0 to 600000 (milliseconds)')
      .optional(),
  }),
]);

const githubSchema = z.union([
  off,
  z.strictObject({
    repo: z.string({ error: 'expected owner/name' }).regex(REPO, 'expected owner/name').optional(),
    minSeverity: severity.optional(),
  }),
]);

const routeSchema = z
  .strictObject({
    name: z
      .string({ error: 'expected a name' })
      .regex(
        ROUTE_NAME,
        'expected 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit',
      ),
    match: z.array(
      z.string({ error: 'expected a matcher string' }).transform((text, ctx) => {
        const parsed = parseMatcher(text);
        if (parsed.ok) return parsed.matcher;
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }),
      { error: 'expected a list of matchers, e.g. ["agent=secret-scanner"]' },
    ),
    slack: slackSchema.optional(),
    github: githubSchema.optional(),
    continue: z.boolean({ error: 'expected true or false' }).optional(),
  })
  .superRefine((route, ctx) => {
    if (typeof route.slack === 'object' && route.slack.batchWindowMs !== undefined && !route.slack.webhook) {
      ctx.addIssue({
        code: 'custom',
        path: ['slack', 'batchWindowMs'],
        message: "needs slack.webhook (the default webhook's window is SLACK_BATCH_WINDOW_MS)",
      });
    }
  });

const fileSchema = z.strictObject(
  {
    routes: z.array(routeSchema, { error: 'expected a list of routes' }).superRefine((routes, ctx) => {
      const seen = new Set<string>();
      routes.forEach((route, index) => {
        if (seen.has(route.name))
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: 'another route has this name' });
        seen.add(route.name);
      });
    }),
  },
  { error: 'expected an object with a "routes" list' },
);

export type RoutesParse =
  | { readonly ok: true; readonly routes: readonly RouteSpec[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parses the text of a routes file; `problems` names every bad route and field. */
export function parseRoutesText(text: string): RoutesParse {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]!.replace(/:$/, '') : String(error);
    return { ok: false, problems: [`not valid YAML or JSON: ${message}`] };
  }
  if (data === null || data === undefined) return { ok: true, routes: [] };
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    return { ok: false, problems: flattenIssues(parsed.error.issues).map((i) => describeAt(data, i)) };
  }
  const routes: RouteSpec[] = parsed.data.routes.map((raw) => ({
    name: raw.name,
    match: raw.match.map(formatMatcher),
    matchers: raw.match,
    ...(raw.slack === undefined ? {} : { slack: raw.slack === 'off' ? 'off' : stripUndefined(raw.slack) }),
    ...(raw.github === undefined
      ? {}
      : { github: raw.github === 'off' ? 'off' : stripUndefined(raw.github) }),
    continue: raw.continue ?? false,
  }));
  const problems = windowConflicts(routes);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, routes };
}

/** One webhook has one dispatcher and so one window: routes naming it must not disagree. */
function windowConflicts(routes: readonly RouteSpec[]): string[] {
  const windows = new Map<string, { route: string; ms: number }>();
  const problems: string[] = [];
  for (const route of routes) {
    if (typeof route.slack !== 'object' || !route.slack.webhook || route.slack.batchWindowMs === undefined)
      continue;
    const earlier = windows.get(route.slack.webhook);
    if (earlier && earlier.ms !== route.slack.batchWindowMs) {
      problems.push(
        `route "${route.name}": slack.batchWindowMs: ${route.slack.batchWindowMs} differs from route "${earlier.route}" (${earlier.ms}) for webhook ${route.slack.webhook}: one webhook has one window`,
      );
    } else if (!earlier)
      windows.set(route.slack.webhook, { route: route.name, ms: route.slack.batchWindowMs });
  }
  return problems;
}

/** The digest window per routed webhook name, where a route sets one. */
export function webhookWindows(routes: readonly RouteSpec[]): ReadonlyMap<string, number> {
  const windows = new Map<string, number>();
  for (const route of routes) {
    if (typeof route.slack === 'object' && route.slack.webhook && route.slack.batchWindowMs !== undefined)
      windows.set(route.slack.webhook, route.slack.batchWindowMs);
  }
  return windows;
}

/** Every webhook name the routes use, in first-use order. */
export function routedWebhooks(routes: readonly RouteSpec[]): string[] {
  const names = new Set<string>();
  for (const route of routes)
    if (typeof route.slack === 'object' && route.slack.webhook) names.add(route.slack.webhook);
  return [...names];
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

interface FlatIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * A union's error is the branch that got furthest: for an object under `slack`, the object's own
 * field errors rather than "expected off".
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[] = []): FlatIssue[] {
  return issues.flatMap((issue): FlatIssue[] => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union') {
      const deeper = issue.errors.find((branch) =>
        branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys'),
      );
      if (deeper) return flattenIssues(deeper, path);
      return [{ path, message: 'expected "off" or an object' }];
    }
    if (issue.code === 'unrecognized_keys') {
      return [{ path, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` }];
    }
    return [{ path, message: issue.message }];
  });
}

/** `route 2 "secrets": slack.webhook: …`, naming the route by its position and name when it has one. */
function describeAt(data: unknown, issue: FlatIssue): string {
  const [top, index, ...rest] = issue.path;
  if (top !== 'routes' || typeof index !== 'number') {
    return `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
  }
  const raw = (data as { routes: unknown[] }).routes[index];
  const name =
    raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
      ? ` "${(raw as { name: string }).name}"`
      : '';
  const field =
    rest.length > 0
      ? `${rest.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('')}: `
      : '';
  return `route ${index + 1}${name}: ${field}${issue.message}`;
}
