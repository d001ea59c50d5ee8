import type { Logger } from 'pino';
import type { Outcome } from '../channels/types.js';
import { readOutboxPayload } from '../dispatch/outbox-payload.js';
import type { Clock } from '../lib/clock.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { RecentOutcomes } from '../observability/recent-outcomes.js';
import { type TraceFields, traceFieldsOf } from '../observability/trace-context.js';
import type { Completion, OutboxEntry } from '../state/relay-state.js';

/** The outcome a completion stands for, as logs, metrics and the outcomes API show it. */
export function completionOutcome(completion: Completion): Outcome {
  switch (completion.kind) {
    case 'done':
      return completion.outcome as Outcome;
    case 'retry':
      return { kind: 'transient', cause: completion.cause };
    case 'dead-lettered':
      return {
        kind: 'permanent',
        reason: completion.reason === 'permanent-slack' ? 'permanent-slack' : 'permanent-github',
        cause: completion.detail,
      };
  }
}

/**
 * What a dispatcher did with one entry: counted, one log line per finding per channel (as intake
 * logs its own decisions), and the finding's recent outcome updated from `queued`.
 */
export function recordCompletion(
  entry: OutboxEntry,
  completion: Completion,
  deps: {
    metrics: RelayMetrics;
    outcomes: RecentOutcomes;
    log: Logger;
    clock: Clock;
    /** TRACING_ENABLED: the line carries the trace of the original message's traceparent. */
    tracing?: boolean;
  },
): void {
  const outcome = completionOutcome(completion);
  const reason = outcome.kind === 'dropped' || outcome.kind === 'permanent' ? outcome.reason : '';
  deps.metrics.outcomes.inc({ channel: entry.channel, outcome: outcome.kind, reason });
  deps.metrics.perMinute.record(deps.clock.now(), outcome.kind);
  let agent: string | undefined;
  let publishedAt: number | undefined;
  let trace: TraceFields | undefined;
  try {
    const payload = readOutboxPayload(entry.payload, entry.shared);
    agent = payload.finding.source.agent;
    publishedAt = payload.message.publishedAt;
    if (deps.tracing) trace = traceFieldsOf(payload.message.attributes);
  } catch {
    // Unreadable entries are dead-lettered by the cycle; the line still names the event.
  }
  deps.log[outcome.kind === 'transient' || outcome.kind === 'permanent' ? 'warn' : 'info'](
    {
      findingId: entry.eventId,
      agent,
      channel: entry.channel,
      outcome: outcome.kind,
      reason: reason || undefined,
      silenceId: outcome.kind === 'dropped' ? outcome.silenceId : undefined,
      cause: 'cause' in outcome ? outcome.cause : undefined,
      ledgerKey: outcome.kind === 'dry-run' ? outcome.ledgerKey : undefined,
      latencyMs: publishedAt === undefined ? undefined : Math.max(0, deps.clock.now() - publishedAt),
      attempt: entry.attempts + 1,
      queuedMs: Math.max(0, deps.clock.now() - entry.enqueuedAt),
      ...trace,
    },
    'outcome',
  );
  deps.outcomes.updateChannel(
    entry.eventId,
    entry.channel,
    outcome,
    new Date(deps.clock.now()).toISOString(),
  );
}
