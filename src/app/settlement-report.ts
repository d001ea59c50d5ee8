import type { Logger } from 'pino';
import { CHANNELS, isFinal, type Outcome } from '../channels/types.js';
import type { Clock } from '../lib/clock.js';
import { redactorOf } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { type OutcomeSummary, type RecentOutcomes, redactSummary } from '../observability/recent-outcomes.js';
import { traceFieldsOf } from '../observability/trace-context.js';
import type { Settlement } from '../pipeline/settle.js';
import type { Envelope } from '../pipeline/types.js';

function outcomeLabels(channel: string, o: Outcome) {
  const reason = o.kind === 'dropped' || o.kind === 'permanent' ? o.reason : '';
  return { channel, outcome: o.kind, reason };
}

/** One line a person reads: `high  dep-1  slack=sent github=dry-run → ack`. */
export function describeSettlement(envelope: Envelope, settlement: Settlement): string {
  const channels = CHANNELS.map((c) => {
    const o = envelope.outcomes.get(c);
    if (!o) return `${c}=—`;
    const extra =
      o.kind === 'dropped'
        ? `(${o.reason}${o.silenceId ? ` ${o.silenceId}` : ''}${o.route ? ` route ${o.route}` : ''})`
        : o.kind === 'permanent'
          ? `(${o.reason})`
          : '';
    return `${c}=${o.kind}${extra}`;
  }).join(' ');
  const id = envelope.finding?.id ?? `message ${envelope.message.id}`;
  const tail = settlement.kind === 'dead-letter' ? `dead-letter (${settlement.reason})` : settlement.kind;
  return `${id}: ${envelope.invalid ? `invalid: ${envelope.invalid.detail}` : channels} → ${tail}`;
}

/**
 * Counts, logs (one line per finding per channel) and remembers how a message left. Every cause
 * and detail is stored through the one redactor: `deps.redact`, else the logger's own (built
 * from the same secrets).
 */
export function recordSettlement(
  envelope: Envelope,
  settlement: Settlement,
  deps: {
    metrics: RelayMetrics;
    outcomes: RecentOutcomes;
    log: Logger;
    clock: Clock;
    redact?: (text: string) => string;
    /** TRACING_ENABLED: each line carries the trace of the message's traceparent attribute. */
    tracing?: boolean;
  },
): void {
  const { metrics, log, clock } = deps;
  const redact = deps.redact ?? redactorOf(log);
  const finding = envelope.finding;
  const latencyS = Math.max(0, (clock.now() - envelope.message.publishTime.getTime()) / 1000);
  metrics.settlements.inc({ settlement: settlement.kind });
  metrics.latency.observe({ settlement: settlement.kind }, latencyS);
  if (finding) metrics.valid.inc();
  if (envelope.invalid) metrics.invalid.inc({ reason: envelope.invalid.reason });
  const trace = deps.tracing ? traceFieldsOf(envelope.message.attributes) : undefined;
  for (const [channel, outcome] of envelope.outcomes) {
    metrics.outcomes.inc(outcomeLabels(channel, outcome));
    metrics.perMinute.record(clock.now(), outcome.kind);
    // One line per finding per channel; a failure is a warning (it is retried or dead-lettered);
    // `queued` is the normal way in (its dispatcher logs the final outcome).
    log[isFinal(outcome) || outcome.kind === 'queued' ? 'info' : 'warn'](
      {
        findingId: finding?.id,
        agent: finding?.source.agent,
        channel,
        outcome: outcome.kind,
        reason: 'reason' in outcome ? outcome.reason : undefined,
        silenceId: outcome.kind === 'dropped' ? outcome.silenceId : undefined,
        // The route that decided the channel (docs/contract.md §7); absent: the default.
        route: envelope.decisions.get(channel)?.route,
        cause: 'cause' in outcome ? redact(outcome.cause) : undefined,
        ledgerKey: outcome.kind === 'dry-run' ? outcome.ledgerKey : undefined,
        latencyMs: Math.round(latencyS * 1000),
        deliveryAttempt: envelope.message.deliveryAttempt,
        ...trace,
      },
      'outcome',
    );
  }
  if (settlement.kind !== 'ack') {
    log.info(
      { messageId: envelope.message.id, findingId: finding?.id, settlement },
      describeSettlement(envelope, settlement),
    );
  }
  const summary: OutcomeSummary = {
    findingId: finding?.id ?? `message:${envelope.message.id}`,
    messageId: envelope.message.id,
    agent: finding?.source.agent,
    title: finding?.title,
    severity: finding?.severity,
    settlement: settlement.kind,
    ...(settlement.kind === 'dead-letter' ? { reason: settlement.reason, detail: settlement.detail } : {}),
    ...(settlement.kind === 'nack' ? { detail: settlement.cause } : {}),
    channels: Object.fromEntries(envelope.outcomes),
    settledAt: new Date(clock.now()).toISOString(),
    deliveryAttempt: envelope.message.deliveryAttempt,
  };
  deps.outcomes.add(redactSummary(summary, redact));
}
