import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { VARIABLES } from './inventory.js';
import {
  MAX_ROUTES_FILE_BYTES,
  parseRoutesText,
  type RouteSpec,
  routedWebhooks,
  webhookSecretName,
} from './routes-file.js';
import type { ConfigIssue } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadedRoutes {
  readonly file: string | undefined;
  readonly list: readonly RouteSpec[];
  /** Secrets, by webhook name. */
  readonly webhooks: Readonly<Record<string, string | undefined>>;
  readonly issues: readonly ConfigIssue[];
}

const NONE: LoadedRoutes = { file: undefined, list: [], webhooks: {}, issues: [] };

/**
 * Reads ROUTES_FILE once at start (the configuration's edge) and each routed webhook's secret.
 * A bad file is one issue per problem, all named; the routes then fall back to none (the default
 * for every finding), which `check` reports and the worker refuses to start with.
 */
export function loadRoutes(routesFile: string | undefined, env: Env, cwd: string): LoadedRoutes {
  if (routesFile === undefined) return NONE;
  const file = resolve(cwd, routesFile);
  const issue = (message: string): ConfigIssue => ({ variable: 'ROUTES_FILE', concern: 'routes', message });
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_ROUTES_FILE_BYTES)
      return {
        ...NONE,
        file,
        issues: [issue(`ROUTES_FILE: ${file} is ${size} bytes; at most ${MAX_ROUTES_FILE_BYTES}`)],
      };
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    return { ...NONE, file, issues: [issue(`ROUTES_FILE: cannot read ${file}: ${why}`)] };
  }
  const parsed = parseRoutesText(text);
  if (!parsed.ok)
    return { ...NONE, file, issues: parsed.problems.map((p) => issue(`ROUTES_FILE ${file}: ${p}`)) };

  const issues: ConfigIssue[] = [];
  const webhooks: Record<string, string | undefined> = {};
  const urlSchema = VARIABLES.SLACK_WEBHOOK_URL.schema;
  for (const name of routedWebhooks(parsed.routes)) {
    const variable = webhookSecretName(name);
    const text = env[variable]?.trim();
    if (!text) {
      webhooks[name] = undefined;
      continue;
    }
    const url = urlSchema.safeParse(text);
    if (url.success) webhooks[name] = url.data;
    else {
      webhooks[name] = undefined;
      const problem = [...new Set(url.error.issues.map((i) => i.message))].join('; ');
      issues.push({ variable, concern: 'slack', message: `${variable}: ${problem}, the value is not shown` });
    }
  }
  return { file, list: parsed.routes, webhooks, issues };
}
