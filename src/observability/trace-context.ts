import { parseTraceParent } from '@opentelemetry/core';

/** Where the Pub/Sub client library puts a message's W3C trace context (its OpenTelemetry support). */
export const TRACEPARENT_ATTRIBUTE = 'googclient_traceparent';

/** OpenTelemetry's field names; the logger turns them into Cloud Logging's trace fields. */
export interface TraceFields {
  readonly trace_id: string;
  readonly span_id: string;
  readonly trace_flags: string;
}

/**
 * The trace a message belongs to, from its `googclient_traceparent` attribute (set by a publisher
 * with tracing on); undefined when it has none or it is not a valid W3C traceparent (all-zero
 * ids included), so a malformed attribute never reaches a log line.
 */
export function traceFieldsOf(
  attributes: Readonly<Record<string, string>> | undefined,
): TraceFields | undefined {
  const header = attributes?.[TRACEPARENT_ATTRIBUTE];
  if (!header) return undefined;
  const context = parseTraceParent(header);
  if (!context) return undefined;
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: context.traceFlags.toString(16).padStart(2, '0'),
  };
}
