/**
 * The local sandbox of `docker compose up`: the project's Slack webhook and GitHub REST stand-ins
 * (test/support), reachable on fixed ports, printing what they receive.
 *
 * The stand-ins listen on 127.0.0.1 with a random port (and Slack on a random secret path), as
 * tests want. Compose needs fixed addresses, so each one sits behind a small forwarder on
 * SANDBOX_HOST:PORT: Slack's forwarder maps one fixed webhook path to the stand-in's secret path
 * (any other path still gets Slack's 404 `no_service`); GitHub's passes every request through.
 * The worker shares this container's network namespace in compose, so it reaches both on
 * 127.0.0.1 — the only host where finding-relay accepts a plain-http webhook.
 *
 * Run: `node --import tsx docker/sandbox.ts` (the `sandbox` stage of the Dockerfile).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { startGitHubStandIn } from '../test/support/github-stand-in.js';
import { startSlackStandIn } from '../test/support/slack-stand-in.js';

/** Every variable the sandbox reads (compose sets them on the sandbox service only). */
export const SANDBOX_VARIABLES = [
  'SANDBOX_HOST',
  'SANDBOX_SLACK_PORT',
  'SANDBOX_GITHUB_PORT',
  'SANDBOX_GITHUB_TOKEN',
  'SANDBOX_GITHUB_REPOS',
] as const;

/** Answered by each forwarder itself (200 `ok`), unlogged: the container's health check. */
export const SANDBOX_HEALTH_PATH = '/_sandbox/health';

/** The webhook path the worker posts to: looks like Slack's, and is not a secret. */
export const SANDBOX_SLACK_PATH = '/services/TSANDBOX0/BSANDBOX0/sandbox-webhook';

export interface SandboxOptions {
  /** Interface of both forwarders: 0.0.0.0 in a container, 127.0.0.1 in tests. */
  host: string;
  /** 0 picks a free port. */
  slackPort: number;
  githubPort: number;
  /** The only token the GitHub stand-in accepts. */
  githubToken: string;
  /** Repositories that exist (`owner/name`); others answer 404 like GitHub. */
  githubRepos: readonly string[];
  /** One line per notable request. */
  log: (line: string) => void;
}

export interface RunningSandbox {
  /** Use as SLACK_WEBHOOK_URL. */
  readonly slackWebhookUrl: string;
  /** Use as GITHUB_API_URL. */
  readonly githubApiUrl: string;
  close(): Promise<void>;
}

interface Exchange {
  method: string;
  path: string;
  status: number;
  requestBody: string;
}

/** Hop-by-hop headers are not forwarded; the body is re-sent whole with its own length. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

function forwardableHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A pass-through HTTP proxy to one origin; `link` headers point back at the forwarder. */
async function startForwarder(opts: {
  host: string;
  port: number;
  target: string;
  rewritePath: (path: string) => string;
  onExchange: (exchange: Exchange) => void;
}): Promise<{ port: number; close(): Promise<void> }> {
  const target = new URL(opts.target);
  const server = createServer((req, res) => {
    if (req.url === SANDBOX_HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const upstream = httpRequest(
        new URL(opts.rewritePath(path), target),
        {
          method: req.method,
          headers: { ...forwardableHeaders(req.headers), 'content-length': body.length },
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const payload = Buffer.concat(parts);
            const headers = forwardableHeaders(answer.headers);
            if (typeof headers.link === 'string' && req.headers.host) {
              headers.link = headers.link.split(target.origin).join(`http://${req.headers.host}`);
            }
            res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': payload.length });
            res.end(payload);
            opts.onExchange({
              method: req.method ?? 'GET',
              path,
              status: answer.statusCode ?? 0,
              requestBody: body.toString('utf8'),
            });
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`sandbox forwarder: ${error.message}\n`);
      });
      upstream.end(body);
    });
  });
  const port = await listen(server, opts.host, opts.port);
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function field(json: string, name: string): string | undefined {
  try {
    const value = (JSON.parse(json) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const firstLine = (text: string, max = 160) => {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

export function describeSlackExchange(e: Exchange): string {
  const text = field(e.requestBody, 'text');
  return `[slack]  ${e.status} ${text === undefined ? '(no text)' : firstLine(text)}`;
}

/** Writes always; reads only when they fail (the relay's issue lookups would drown the output). */
export function describeGitHubExchange(e: Exchange): string | undefined {
  const write = e.method !== 'GET' && e.method !== 'HEAD';
  if (!write && e.status < 400) return undefined;
  const title = write ? field(e.requestBody, 'title') : undefined;
  const comment = write && title === undefined ? field(e.requestBody, 'body') : undefined;
  const what = title !== undefined ? ` "${firstLine(title)}"` : comment ? ` ${firstLine(comment, 80)}` : '';
  return `[github] ${e.status} ${e.method} ${e.path.split('?')[0]}${what}`;
}

export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const slack = await startSlackStandIn();
  const github = await startGitHubStandIn({ token: opts.githubToken, repos: opts.githubRepos });
  const slackSecretPath = new URL(slack.url).pathname;
  let violationsShown = 0;

  const slackForwarder = await startForwarder({
    host: opts.host,
    port: opts.slackPort,
    target: slack.origin,
    rewritePath: (path) => (path === SANDBOX_SLACK_PATH ? slackSecretPath : path),
    onExchange: (e) => opts.log(describeSlackExchange(e)),
  });
  const githubForwarder = await startForwarder({
    host: opts.host,
    port: opts.githubPort,
    target: github.url,
    rewritePath: (path) => path,
    onExchange: (e) => {
      const line = describeGitHubExchange(e);
      if (line) opts.log(line);
      // A request GitHub's OpenAPI description would refuse is worth shouting about.
      for (const v of github.violations.slice(violationsShown)) {
        opts.log(`[github] OpenAPI violation in ${v.method} ${v.path} (${v.where}): ${v.errors.join('; ')}`);
      }
      violationsShown = github.violations.length;
    },
  });

  const local = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    slackWebhookUrl: `http://${local}:${slackForwarder.port}${SANDBOX_SLACK_PATH}`,
    githubApiUrl: `http://${local}:${githubForwarder.port}`,
    close: async () => {
      await Promise.all([slackForwarder.close(), githubForwarder.close()]);
      await Promise.all([slack.close(), github.close()]);
    },
  };
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${name}=${text} is not a port`);
  return port;
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const sandbox = await startSandbox({
    host: env.SANDBOX_HOST || '0.0.0.0',
    slackPort: portFrom(env, 'SANDBOX_SLACK_PORT', 3001),
    githubPort: portFrom(env, 'SANDBOX_GITHUB_PORT', 3002),
    githubToken: env.SANDBOX_GITHUB_TOKEN || 'sandbox-token-not-a-secret',
    githubRepos: (env.SANDBOX_GITHUB_REPOS || 'acme/widgets')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    log: say,
  });
  say(`sandbox: Slack webhook ${sandbox.slackWebhookUrl}`);
  say(`sandbox: GitHub API    ${sandbox.githubApiUrl}`);
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.env).catch((error: unknown) => {
    process.stderr.write(`sandbox failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
