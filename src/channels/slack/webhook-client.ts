import { type FetchFunction, IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import type { Clock } from '../../lib/clock.js';
import type { Attempt } from '../../lib/retry.js';
import { createRedactor } from '../../observability/redact.js';
import type { Block } from './digest.js';

export interface SlackPayload {
  text: string;
  blocks?: Block[];
}

export interface WebhookSenderOptions {
  /** A secret: it never appears in a cause this module returns. */
  webhookUrl: string;
  /** Per request; @slack/webhook's default is 0 = wait forever. */
  timeoutMs: number;
  /** For an HTTP-date Retry-After. */
  clock: Clock;
  /** Defaults to the global fetch (a proxy-aware fetch, or a test's counting fetch, may be passed). */
  fetch?: FetchFunction;
}

/** Sends one payload; never throws; the answer classified for retryTransient. */
export type WebhookSender = (payload: SlackPayload) => Promise<Attempt<void>>;

const CAUSE_BODY_MAX = 120;

/**
 * Removes the webhook URL, its secret path and its key segment (also cut short) from any text
 * (error messages embed URLs): the one redactor, for this secret.
 */
export function redactWebhookUrl(text: string, webhookUrl: string): string {
  return createRedactor([webhookUrl])(text);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date. undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/GMT$/.test(trimmed)) return undefined; // HTTP-dates are always GMT; Date.parse takes too much else
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const bodyHint = (body: string) =>
  body.replace(/\s+/g, ' ').trim().slice(0, CAUSE_BODY_MAX) || '(empty body)';

/** Only `200 ok` is success: Slack answers every accepted webhook post with exactly that body. */
export function classifySlackAnswer(
  status: number,
  body: string,
  retryAfterMs: number | undefined,
): Attempt<void> {
  const hint = bodyHint(body);
  if (status === 200 && body.trim() === 'ok') return { ok: true, value: undefined };
  if (status === 429) {
    return retryAfterMs === undefined
      ? { ok: false, transient: true, cause: `slack 429 ${hint}` }
      : {
          ok: false,
          transient: true,
          cause: `slack 429 ${hint} (retry after ${retryAfterMs} ms)`,
          retryAfterMs,
        };
  }
  if (status >= 500 || status === 408) {
    return { ok: false, transient: true, cause: `slack ${status} ${hint}` };
  }
  // 400 invalid_payload/invalid_blocks/no_text/too_many_attachments, 403 action_prohibited/
  // invalid_token, 404 channel_not_found/no_service/no_team, 410 channel_is_archived: the payload's,
  // the webhook's or the workspace's problem, so retrying cannot help
  // (api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks). Other 4xx alike.
  if (status >= 400 && status < 500) {
    return { ok: false, transient: false, cause: `slack ${status} ${hint}` };
  }
  // A 2xx/3xx that is not `ok` (e.g. a proxy's page): not posted as far as we know; try again later.
  return { ok: false, transient: true, cause: `slack unexpected answer ${status} ${hint}` };
}

function describeRequestError(error: unknown, timeoutMs: number): string {
  const original = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (original instanceof Error && (original.name === 'TimeoutError' || original.name === 'AbortError')) {
    return `slack request timed out after ${timeoutMs} ms`;
  }
  const inner = original instanceof Error && original.cause instanceof Error ? original.cause : undefined;
  const code = (inner as NodeJS.ErrnoException | undefined)?.code;
  const message = original instanceof Error ? original.message : String(original);
  return `slack request failed: ${message}${code ? ` (${code})` : inner ? ` (${inner.message})` : ''}`;
}

/**
 * Sends through @slack/webhook's IncomingWebhook (its own retries off: retryTransient is the one
 * place that retries) with a request timeout. A fetch wrapper keeps the response headers, which the
 * library's HTTP error drops, so a 429's Retry-After is honoured.
 */
export function createWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const baseFetch: FetchFunction = opts.fetch ?? (globalThis.fetch as unknown as FetchFunction);
  const timeoutMs = Math.max(1, opts.timeoutMs);
  return async (payload) => {
    let status = 0;
    let retryAfter: string | null = null;
    const fetchKeepingHeaders: FetchFunction = async (url, init) => {
      const response = await baseFetch(url, init);
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      return response;
    };
    let attempt: Attempt<void>;
    try {
      const webhook = new IncomingWebhook(opts.webhookUrl, {
        timeout: timeoutMs,
        fetch: fetchKeepingHeaders,
        retryConfig: { retries: 0 },
      });
      const result = await webhook.send({ ...payload, unfurl_links: false, unfurl_media: false });
      attempt = classifySlackAnswer(status, result.text, undefined);
    } catch (error) {
      if (error instanceof IncomingWebhookHTTPError) {
        const retryAfterMs = parseRetryAfter(retryAfter, opts.clock.now());
        attempt = classifySlackAnswer(error.statusCode, error.body, retryAfterMs);
      } else {
        attempt = { ok: false, transient: true, cause: describeRequestError(error, timeoutMs) };
      }
    }
    return attempt.ok ? attempt : { ...attempt, cause: redactWebhookUrl(attempt.cause, opts.webhookUrl) };
  };
}
