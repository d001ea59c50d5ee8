import type { Attempt } from '../../lib/retry.js';

/** A failed GitHub call, classified. `mayHaveSucceeded`: no answer or a 5xx, so a write may have landed. */
export type GitHubFailure = Extract<Attempt<never>, { ok: false }> & {
  readonly status?: number;
  readonly mayHaveSucceeded: boolean;
};

export interface ClassifyContext {
  /** `METHOD /path` of the call, for the cause. */
  readonly what: string;
  readonly now: number;
  /** Removes secrets (the token) from any text. */
  readonly redact: (text: string) => string;
}

/** GitHub's own advice when a secondary limit answer carries no retry-after: wait at least a minute. */
const SECONDARY_FALLBACK_MS = 60_000;
/** How soon an operator problem (bad token, missing permission) is tried again: not in a hot loop. */
const OPERATOR_PROBLEM_RETRY_MS = 60_000;
/** Answers that will not change on redelivery: the message goes to the dead-letter topic. */
const PERMANENT = new Set([400, 404, 410, 422, 451]);

interface ErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

function header(error: ErrorLike, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** GitHub's `message` plus validation details, on one line. */
function describe(error: ErrorLike): string {
  const data = error.response?.data as { message?: unknown; errors?: unknown } | undefined;
  let text =
    typeof data?.message === 'string' ? data.message : typeof error.message === 'string' ? error.message : '';
  if (Array.isArray(data?.errors)) {
    const details = data.errors
      .map((e: { message?: unknown; field?: unknown; code?: unknown }) =>
        typeof e?.message === 'string' ? e.message : [e?.field, e?.code].filter(Boolean).join(' '),
      )
      .filter(Boolean);
    if (details.length > 0) text += `: ${details.join('; ')}`;
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300) || 'no message';
}

/**
 * Maps a failed call to transient (nack and retry; Pub/Sub dead-letters after
 * MAX_DELIVERY_ATTEMPTS) or permanent (dead-letter now, `permanent-github`).
 *
 * 401 and a 403 that is not a rate limit are transient on purpose: a bad or under-privileged token
 * is an operator problem that every finding would hit; dead-lettering them all at once would turn
 * one config mistake into a flood to replay, while a transient outcome keeps them waiting in the
 * outbox (retried every OPERATOR_PROBLEM_RETRY_MS) until the token is fixed. The cause says what to fix.
 */
export function classifyGitHubError(error: unknown, ctx: ClassifyContext): GitHubFailure {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  const cause = (text: string) => ctx.redact(`GitHub ${ctx.what}: ${text}`);

  if (status === undefined || !e.response) {
    return {
      ok: false,
      transient: true,
      mayHaveSucceeded: true,
      cause: cause(`no answer (${ctx.redact(describe(e))})`),
    };
  }
  const message = ctx.redact(describe(e));
  if (status === 403 || status === 429) {
    const retryAfter = Number(header(e, 'retry-after'));
    if (/secondary rate limit/i.test(message) || Number.isFinite(retryAfter)) {
      const retryAfterMs =
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : SECONDARY_FALLBACK_MS;
      return {
        ok: false,
        transient: true,
        status,
        mayHaveSucceeded: false,
        retryAfterMs,
        cause: cause(`${status} secondary rate limit, retry after ${retryAfterMs / 1000}s`),
      };
    }
    if (header(e, 'x-ratelimit-remaining') === '0') {
      const reset = Number(header(e, 'x-ratelimit-reset'));
      const retryAfterMs = Number.isFinite(reset) ? Math.max(1_000, reset * 1000 - ctx.now + 1_000) : 60_000;
      return {
        ok: false,
        transient: true,
        status,
        mayHaveSucceeded: false,
        retryAfterMs,
        cause: cause(`${status} primary rate limit exhausted, resets in ${Math.ceil(retryAfterMs / 1000)}s`),
      };
    }
  }
  if (status === 401 || status === 403) {
    const hint =
      status === 401
        ? 'the token was rejected: fix GITHUB_TOKEN'
        : 'the token lacks permission (needs Issues: read and write on the repo)';
    return {
      ok: false,
      transient: true,
      status,
      mayHaveSucceeded: false,
      retryAfterMs: OPERATOR_PROBLEM_RETRY_MS,
      cause: cause(`${status} ${message}; ${hint}; retried from the outbox until it is fixed`),
    };
  }
  if (PERMANENT.has(status)) {
    const hint = status === 404 ? ' (the repo does not exist or the token cannot see it)' : '';
    return {
      ok: false,
      transient: false,
      status,
      mayHaveSucceeded: false,
      cause: cause(`${status} ${message}${hint}`),
    };
  }
  return {
    ok: false,
    transient: true,
    status,
    // A 5xx may come from a proxy after GitHub did the work.
    mayHaveSucceeded: status >= 500,
    cause: cause(`${status} ${message}`),
  };
}
