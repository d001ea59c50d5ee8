import { describe, expect, it } from 'vitest';
import { TRACEPARENT_ATTRIBUTE, traceFieldsOf } from './trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('trace context of a message', () => {
  it('reads the W3C traceparent the Pub/Sub client library sets', () => {
    expect(traceFieldsOf({ agent: 'x', [TRACEPARENT_ATTRIBUTE]: `00-${TRACE}-${SPAN}-01` })).toEqual({
      trace_id: TRACE,
      span_id: SPAN,
      trace_flags: '01',
    });
    expect(traceFieldsOf({ [TRACEPARENT_ATTRIBUTE]: `00-${TRACE}-${SPAN}-00` })?.trace_flags).toBe('00');
  });

  it('has none without the attribute, or when it is not a valid traceparent', () => {
    expect(traceFieldsOf(undefined)).toBeUndefined();
    expect(traceFieldsOf({ agent: 'x' })).toBeUndefined();
    for (const bad of [
      '',
      'garbage',
      `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
      `00-${TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
      `ff-${TRACE}-${SPAN}-01`, // version ff is forbidden
      `00-${TRACE.toUpperCase()}-${SPAN}-01`, // ids are lower-case hex
      `00-${TRACE}-${SPAN}-01"}, "severity": "x`,
    ])
      expect(traceFieldsOf({ [TRACEPARENT_ATTRIBUTE]: bad }), bad).toBeUndefined();
  });
});
