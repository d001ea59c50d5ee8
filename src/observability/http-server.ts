import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayMetrics } from './metrics.js';
import type { OutcomeSummary, RecentOutcomes } from './recent-outcomes.js';

export interface HttpDeps {
  metrics: RelayMetrics;
  outcomes: RecentOutcomes;
  /** Resolves a finding's outcome, also from the shared state; defaults to `outcomes` alone. */
  lookupOutcome?: (findingId: string) => Promise<OutcomeSummary | undefined>;
  /** null when ready; otherwise why not (shown on /readyz). */
  notReadyReason: () => string | null;
  renderStatusPage: () => string | Promise<string>;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The server's bounds. Its clients are a platform's health checks and a Prometheus scraper, each
 * sending a small GET at once: a client that takes seconds over its headers is not one of them.
 */
export const HTTP_LIMITS = {
  /** Whole header section within this (Node's default is 60 s). */
  headersTimeoutMs: 5_000,
  /** Whole request within this (Node's default is 300 s). */
  requestTimeoutMs: 10_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** How often Node checks the two timeouts above (its default is every 30 s). */
  checkIntervalMs: 1_000,
  /** Connections past this are closed at once. */
  maxConnections: 64,
} as const;

/**
 * Every answer: nothing may be loaded, framed or sniffed. The status page is one document with
 * an inline stylesheet and no script, so its policy allows exactly that.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
} as const;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'text/plain', 'method not allowed\n');
  if (url.pathname === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
  if (url.pathname === '/readyz') {
    const reason = deps.notReadyReason();
    return reason === null
      ? send(res, 200, 'text/plain', 'ready\n')
      : send(res, 503, 'text/plain', `not ready: ${reason}\n`);
  }
  if (url.pathname === '/metrics') {
    return send(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
  }
  const outcome = /^\/api\/outcomes\/([^/]+)$/.exec(url.pathname);
  if (outcome) {
    let id: string;
    try {
      id = decodeURIComponent(outcome[1]!);
    } catch {
      return send(res, 400, 'application/json', JSON.stringify({ error: 'malformed finding id' }));
    }
    const found = deps.lookupOutcome ? await deps.lookupOutcome(id) : deps.outcomes.get(id);
    return found
      ? send(res, 200, 'application/json', JSON.stringify(found))
      : send(res, 404, 'application/json', JSON.stringify({ error: 'unknown finding id' }));
  }
  if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', await deps.renderStatusPage());
  return send(res, 404, 'text/plain', 'not found\n');
}

/**
 * Health, readiness, metrics, the status page and the outcomes API, on 127.0.0.1 unless told
 * otherwise. It has no authentication of its own: a container binds 0.0.0.0, and the platform's
 * authenticated front (Cloud Run IAM) must be the only way in (see README, "Operating it").
 */
export async function startHttpServer(
  port: number,
  host: string,
  deps: HttpDeps,
): Promise<RunningHttpServer> {
  const server: Server = createServer(
    {
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval: HTTP_LIMITS.checkIntervalMs,
    },
    (req, res) => {
      handle(req, res, deps).catch(() => send(res, 500, 'text/plain', 'internal error\n'));
    },
  );
  server.maxConnections = HTTP_LIMITS.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
