import type { FetchFunction } from '@slack/webhook';
import type { Clock } from '../../lib/clock.js';
import { type Attempt, defaultRetryPolicy, type RetryPolicy, retryTransient } from '../../lib/retry.js';
import type { ChannelSink, DeliveryItem, Outcome } from '../types.js';
import { type DigestFinding, renderDigest } from './digest.js';
import { BatcherClosedError, DigestBatcher } from './digest-batcher.js';
import { PacerWaitTooLongError, SendPacer } from './pacer.js';
import { createWebhookSender, redactWebhookUrl } from './webhook-client.js';

export interface SlackMessageInfo {
  /** Findings the digest carries (listed and counted). */
  findings: number;
  /** Result of this HTTP attempt. */
  status: 'sent' | 'transient' | 'permanent';
  /** 1 for the first attempt of a digest. */
  attempt: number;
}

export interface SlackSinkDeps {
  /** A secret: never in an outcome, error or callback. */
  webhookUrl: string;
  /** Text of the `[LABEL] ` prefix. */
  label: string;
  windowMs: number;
  /** Findings listed in full per digest (SLACK_BATCH_MAX); the rest are counted. */
  max: number;
  clock: Clock;
  retry?: RetryPolicy;
  /** Per HTTP request; default 10 s. */
  timeoutMs?: number;
  /** Webhook pacing; default 1/s sustained with bursts of 3. */
  rate?: { perSecond: number; burst: number };
  /** Called after every HTTP attempt (for metrics and logs; carries no secret). */
  onMessage?: (info: SlackMessageInfo) => void;
  /** Passed to @slack/webhook; defaults to the global fetch. */
  fetch?: FetchFunction;
}

export const DEFAULT_SLACK_TIMEOUT_MS = 10_000;

export function toDigestFinding(item: DeliveryItem): DigestFinding {
  const f = item.finding;
  return {
    severity: f.severity,
    title: f.title,
    occurredAt: f.occurredAt,
    agent: f.source.agent,
    ...(f.repo === undefined ? {} : { repo: f.repo }),
    ...(f.url === undefined ? {} : { url: f.url }),
  };
}

function toOutcome(result: Attempt<void>): Outcome {
  if (result.ok) return { kind: 'sent' };
  if (result.transient) {
    return result.retryAfterMs === undefined
      ? { kind: 'transient', cause: result.cause }
      : { kind: 'transient', cause: result.cause, retryAfterMs: result.retryAfterMs };
  }
  return { kind: 'permanent', reason: 'permanent-slack', cause: result.cause };
}

/**
 * The Slack channel: items → digest batcher (window, max) → pacer → retryTransient(webhook send);
 * every item of a digest gets that digest's outcome.
 *
 * Items with decision 'dry-run' are never posted: the safety matrix has no Slack dry-run, so one
 * reaching here is a routing bug, and failing closed means not posting. They are settled as
 * `dropped: mode-disabled` (final, counted, visible) rather than dead-lettered.
 */
export function createSlackSink(deps: SlackSinkDeps): ChannelSink {
  const retry = deps.retry ?? defaultRetryPolicy;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS;
  const pacer = new SendPacer({ clock: deps.clock, ...(deps.rate ?? {}) });
  const send = createWebhookSender({
    webhookUrl: deps.webhookUrl,
    timeoutMs,
    clock: deps.clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const safe = (text: string) => redactWebhookUrl(text, deps.webhookUrl);

  /** One paced HTTP attempt; the pacer's pause is extended by a server's Retry-After. */
  async function attemptSend(
    message: ReturnType<typeof renderDigest>,
    findings: number,
    attempt: number,
    wait: { signal?: AbortSignal; maxWaitMs: number },
  ): Promise<Attempt<void>> {
    try {
      await pacer.acquire(wait);
    } catch (error) {
      if (error instanceof PacerWaitTooLongError) {
        return { ok: false, transient: true, cause: error.message, retryAfterMs: error.waitMs };
      }
      return { ok: false, transient: true, cause: 'slack send aborted while waiting for the rate limit' };
    }
    const answer = await send(message);
    if (!answer.ok && answer.transient && answer.retryAfterMs !== undefined) {
      pacer.pauseUntil(deps.clock.now() + answer.retryAfterMs);
    }
    const status = answer.ok ? 'sent' : answer.transient ? 'transient' : 'permanent';
    deps.onMessage?.({ findings, status, attempt });
    return answer;
  }

  /**
   * Normally retried by retryTransient. When a caller has already aborted (shutdown), the digest
   * still gets one attempt if the rate limit allows it right now, and no retries: settle promptly.
   */
  async function sendDigest(items: readonly DeliveryItem[], signal: AbortSignal): Promise<Outcome> {
    const message = renderDigest(items.map(toDigestFinding), { label: deps.label, max: deps.max });
    if (signal.aborted) return toOutcome(await attemptSend(message, items.length, 1, { maxWaitMs: 0 }));
    const result = await retryTransient<void>(
      (attempt) => attemptSend(message, items.length, attempt, { signal, maxWaitMs: retry.maxRetryAfterMs }),
      retry,
      deps.clock,
      signal,
    );
    return toOutcome(result);
  }

  const batcher = new DigestBatcher<DeliveryItem, Outcome>({
    windowMs: deps.windowMs,
    clock: deps.clock,
    send: async (items, signal) => {
      try {
        return await sendDigest(items, signal);
      } catch (error) {
        const cause = error instanceof Error ? error.message : String(error);
        return { kind: 'transient', cause: safe(`slack send failed: ${cause}`) };
      }
    },
  });

  return {
    channel: 'slack',
    async deliver(items, signal) {
      const outcomes = new Map<DeliveryItem, Outcome>();
      const toSend: DeliveryItem[] = [];
      for (const item of items) {
        if (item.decision === 'deliver') toSend.push(item);
        else outcomes.set(item, { kind: 'dropped', reason: 'mode-disabled' });
      }
      if (toSend.length === 0) return outcomes;
      let outcome: Outcome;
      try {
        outcome = await batcher.add(toSend, signal);
      } catch (error) {
        const cause = error instanceof BatcherClosedError ? error.message : String(error);
        outcome = { kind: 'transient', cause: safe(cause) };
      }
      for (const item of toSend) outcomes.set(item, outcome);
      return outcomes;
    },
    close: () => batcher.close(),
    readyInMs: () => pacer.waitMs(),
  };
}
