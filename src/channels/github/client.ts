import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Clock } from '../../lib/clock.js';
import { createRedactor } from '../../observability/redact.js';
import type { LedgerRequest } from '../ledger/types.js';
import { classifyGitHubError, type GitHubFailure } from './classify-error.js';
import { findMarker } from './marker.js';
import { repoPath } from './requests.js';
import { WritePacer, WriteWaitTooLongError } from './write-pacer.js';

export type GitHubResult<T> = { ok: true; value: T } | GitHubFailure;

/** What the relay needs to know about an issue (bodies are not kept: they can be 64 KiB each). */
export interface GitHubIssueSummary {
  readonly number: number;
  readonly state: 'open' | 'closed';
  /** From the hidden marker on the body's first line; undefined when the issue has none. */
  readonly fingerprint: string | undefined;
  readonly htmlUrl: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface GitHubWriteResult {
  readonly status: number;
  /** The issue number (create-issue). */
  readonly number?: number;
  readonly htmlUrl?: string;
}

export interface GitHubSendOptions {
  readonly signal: AbortSignal;
  /** Checked after the write slot is granted and before anything is sent (renews a claim); false = do not send. */
  readonly beforeSend?: () => Promise<boolean>;
}

export interface GitHubClient {
  /**
   * Sends one write exactly as built by requests.ts. Never retried here: a create or comment that
   * timed out or got a 5xx may have landed (`mayHaveSucceeded`), and the caller must look first.
   */
  send(request: LedgerRequest, opts: GitHubSendOptions): Promise<GitHubResult<GitHubWriteResult>>;
  /** Every issue with `label` (state=all, 100 per page, following `link` rel="next"); `complete` false when capped. */
  listIssuesWithLabel(
    repo: string,
    label: string,
    signal: AbortSignal,
  ): Promise<GitHubResult<{ issues: GitHubIssueSummary[]; complete: boolean }>>;
  getIssue(repo: string, issueNumber: number, signal: AbortSignal): Promise<GitHubResult<GitHubIssueSummary>>;
}

export interface GitHubClientOptions {
  /** GITHUB_API_URL. */
  readonly baseUrl: string;
  /** A secret: only ever handed to Octokit's auth; redacted from every cause. */
  readonly token: string;
  readonly clock: Clock;
  /** Per HTTP attempt, until the whole answer is read. Default 15 s. */
  readonly timeoutMs?: number;
  /** Spacing of writes. Default 3 s (Octokit's pacing for writes that notify). */
  readonly writeIntervalMs?: number;
  /** Longest wait for a write slot before answering transient (the message is nacked). Default 60 s. */
  readonly maxWriteWaitMs?: number;
  /** Rate-limit answers retried in place at most this often, each wait at most maxLimitWaitMs. Defaults 2 / 60 s. */
  readonly maxLimitRetries?: number;
  readonly maxLimitWaitMs?: number;
  /** Retries of reads (GET) on 5xx and network errors by @octokit/plugin-retry. Default 2. */
  readonly readRetries?: number;
  /** Milliseconds per second of retry-after/back-off in both plugins. Default 1000; tests shrink it. */
  readonly retryAfterBaseMs?: number;
  /** Pages of 100 issues read at most by listIssuesWithLabel. Default 50. */
  readonly maxListPages?: number;
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Called with the x-ratelimit-* headers of every answer that has them (metrics: remaining budget). */
  readonly onRateLimitBudget?: (budget: GitHubRateLimitBudget) => void;
  /** Called when a rate-limit answer pauses writes (metrics: rate-limit waits). */
  readonly onRateLimitWait?: (wait: GitHubRateLimitWait) => void;
}

export interface GitHubRateLimitBudget {
  /** x-ratelimit-resource (`core`, `search`, …); `core` when absent. */
  readonly resource: string;
  readonly remaining: number;
  readonly limit?: number;
}

export interface GitHubRateLimitWait {
  readonly kind: 'primary' | 'secondary';
  readonly waitMs: number;
  /** False when the wait was too long or too often: the call is handed back as transient. */
  readonly retrying: boolean;
}

export class GitHubTimeoutError extends Error {
  override name = 'GitHubTimeoutError';
}

const RelayOctokit = Octokit.plugin(throttling, retry);

/**
 * Pacing of writes is done by WritePacer (on the injected clock, bounded, claim-aware), so the
 * throttling plugin's own write/notification groups are replaced by this pass-through. The plugin
 * still limits concurrency and handles primary and secondary rate-limit answers.
 */
const passThroughGroup = {
  key: () => ({
    schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => fn(...args)),
  }),
} as never;

function nextLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

/**
 * The next page's URL when it is on the API's own origin (a relative link resolved against it),
 * else undefined: the request carries the token, so a `Link` header naming another host is never
 * followed (Octokit's own paginator follows any URL it is given).
 */
function sameOriginNext(next: string, baseUrl: string): string | undefined {
  try {
    const base = new URL(baseUrl);
    const url = new URL(next, base);
    return url.origin === base.origin ? url.href : undefined;
  } catch {
    return undefined;
  }
}

interface IssueLike {
  number: number;
  state: string;
  body?: string | null;
  html_url: string;
  created_at: string;
  updated_at: string;
  pull_request?: unknown;
}

function summarise(issue: IssueLike): GitHubIssueSummary {
  return {
    number: issue.number,
    state: issue.state === 'closed' ? 'closed' : 'open',
    fingerprint: findMarker(issue.body),
    htmlUrl: issue.html_url,
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
  };
}

export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const { clock } = opts;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const base = opts.retryAfterBaseMs ?? 1_000;
  const maxLimitRetries = opts.maxLimitRetries ?? 2;
  const maxLimitWaitMs = opts.maxLimitWaitMs ?? 60_000;
  const maxWriteWaitMs = opts.maxWriteWaitMs ?? 60_000;
  const maxListPages = opts.maxListPages ?? 50;
  const redact = createRedactor([opts.token]);
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) =>
    opts.log?.(level, redact(String(message)));
  const pacer = new WritePacer(clock, opts.writeIntervalMs ?? 3_000);

  // A fresh timeout per HTTP attempt (retries included), kept until the body is read.
  const timedFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const stop = new AbortController();
    const timeout = new AbortController();
    clock.sleep(timeoutMs, stop.signal).then(
      () => timeout.abort(new GitHubTimeoutError(`timed out after ${timeoutMs} ms`)),
      () => undefined,
    );
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    // Writes are paced from the moment they reach the network, after Octokit's own hooks, whose
    // variable delay otherwise let two writes arrive ~940 ms apart at 1 s pacing (e2e, measured).
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') pacer.sending();
    try {
      const response = await fetch(url, { ...init, signal });
      reportBudget(response.headers);
      const nullBody = [101, 204, 205, 304].includes(response.status);
      const body = nullBody ? null : await response.arrayBuffer();
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } finally {
      stop.abort();
    }
  };

  const reportBudget = (headers: Headers) => {
    const remaining = Number.parseInt(headers.get('x-ratelimit-remaining') ?? '', 10);
    if (!opts.onRateLimitBudget || !Number.isFinite(remaining)) return;
    const limit = Number.parseInt(headers.get('x-ratelimit-limit') ?? '', 10);
    opts.onRateLimitBudget({
      resource: headers.get('x-ratelimit-resource') ?? 'core',
      remaining,
      ...(Number.isFinite(limit) ? { limit } : {}),
    });
  };

  const onLimit =
    (kind: GitHubRateLimitWait['kind']) =>
    (retryAfterS: number, _options: unknown, _octokit: unknown, retryCount: number) => {
      pacer.pauseUntil(clock.now() + retryAfterS * base);
      const again = retryCount < maxLimitRetries && retryAfterS * 1000 <= maxLimitWaitMs;
      opts.onRateLimitWait?.({ kind, waitMs: retryAfterS * base, retrying: again });
      log('warn')(
        `GitHub rate limit: retry after ${retryAfterS}s${again ? '' : ' (not waiting: handed back)'}`,
      );
      return again;
    };

  const octokit = new RelayOctokit({
    auth: opts.token,
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    userAgent: 'finding-relay',
    log: { debug: log('debug'), info: log('debug'), warn: log('warn'), error: log('error') },
    request: { fetch: timedFetch },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: base,
      write: passThroughGroup,
      notifications: passThroughGroup,
    },
    retry: {
      retries: opts.readRetries ?? 2,
      retryAfterBaseValue: base,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
  });

  async function call<T>(what: string, run: () => Promise<T>, signal: AbortSignal): Promise<GitHubResult<T>> {
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      if (signal.aborted) {
        return {
          ok: false,
          transient: true,
          mayHaveSucceeded: true,
          cause: `GitHub ${what}: aborted (shutting down)`,
        };
      }
      const cause = (error as { cause?: unknown })?.cause;
      if (cause instanceof GitHubTimeoutError || error instanceof GitHubTimeoutError) {
        return {
          ok: false,
          transient: true,
          mayHaveSucceeded: true,
          cause: `GitHub ${what}: timed out after ${timeoutMs} ms`,
        };
      }
      return classifyGitHubError(error, { what, now: clock.now(), redact });
    }
  }

  return {
    async send(request, { signal, beforeSend }) {
      const what = `${request.method} ${request.path}`;
      if (request.path.includes('{'))
        throw new TypeError(`refusing to send a placeholder path: ${request.path}`);
      try {
        await pacer.acquire({ signal, maxWaitMs: maxWriteWaitMs });
      } catch (error) {
        if (error instanceof WriteWaitTooLongError) {
          const cause = `GitHub ${what}: not sent, write pacing busy for ${error.waitMs} ms`;
          return { ok: false, transient: true, mayHaveSucceeded: false, retryAfterMs: error.waitMs, cause };
        }
        return {
          ok: false,
          transient: true,
          mayHaveSucceeded: false,
          cause: `GitHub ${what}: aborted before sending`,
        };
      }
      if (beforeSend && !(await beforeSend())) {
        return {
          ok: false,
          transient: true,
          mayHaveSucceeded: false,
          cause: `GitHub ${what}: not sent, claim lost`,
        };
      }
      pacer.sending();
      return call(
        what,
        async () => {
          const response = await octokit.request(`${request.method} ${request.path}`, {
            data: request.body,
            // Never retried blindly: it may have landed (see GitHubClient.send).
            request: { retries: 0, signal },
          });
          const data = response.data as { number?: unknown; html_url?: unknown };
          return {
            status: response.status,
            ...(typeof data.number === 'number' ? { number: data.number } : {}),
            ...(typeof data.html_url === 'string' ? { htmlUrl: data.html_url } : {}),
          };
        },
        signal,
      );
    },

    async listIssuesWithLabel(repo, label, signal) {
      const first = `${repoPath(repo)}/issues`;
      return call(
        `GET ${first}`,
        async () => {
          const issues: GitHubIssueSummary[] = [];
          let response = await octokit.request(`GET ${first}`, {
            labels: label,
            state: 'all',
            per_page: 100,
            request: { signal },
          });
          for (let page = 1; ; page++) {
            for (const issue of response.data as IssueLike[])
              if (!issue.pull_request) issues.push(summarise(issue));
            const link = nextLink(response.headers.link);
            if (!link) return { issues, complete: true };
            const next = sameOriginNext(link, opts.baseUrl);
            if (!next) {
              log('warn')(`GitHub listing of ${repo}: a next-page link to another origin is not followed`);
              return { issues, complete: false };
            }
            if (page >= maxListPages) return { issues, complete: false };
            response = await octokit.request({ method: 'GET', url: next, request: { signal } });
          }
        },
        signal,
      );
    },

    async getIssue(repo, issueNumber, signal) {
      const path = `${repoPath(repo)}/issues/${issueNumber}`;
      return call(
        `GET ${path}`,
        async () =>
          summarise((await octokit.request(`GET ${path}`, { request: { signal } })).data as IssueLike),
        signal,
      );
    },
  };
}
