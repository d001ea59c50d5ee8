import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../lib/test-clock.js';
import { createMemoryRelayState } from '../state/memory-relay-state.js';
import { outboxGate } from './outbox-gate.js';

const log = pino({ level: 'silent' });
const request = (eventId: string) => ({
  eventId,
  channel: 'github' as const,
  target: 'github:dry-run',
  fingerprint: eventId,
  priority: 0,
  payload: {},
});

describe('the outbox gate (backpressure)', () => {
  it('holds intake while the outbox is full, says why, and lets it go once there is room', async () => {
    const { clock, advance } = manualClock(0);
    const state = createMemoryRelayState();
    await state.enqueue([request('a'), request('b'), request('c')], 0);
    const gate = outboxGate({ state, maxItems: 3, clock, log, storeHealth: undefined });
    const ctx = { clock, log, signal: new AbortController().signal };
    let passed = false;
    const waiting = gate.wait(ctx).then(() => {
      passed = true;
    });
    await advance(3_000);
    expect(passed).toBe(false);
    expect(gate.fullReason()).toMatch(/^outbox full: 3 entries queued \(OUTBOX_MAX_ITEMS=3\)/);
    await state.complete([{ eventId: 'a', channel: 'github', kind: 'done', outcome: { kind: 'sent' } }], 1);
    await advance(1_000);
    await waiting;
    expect(passed).toBe(true);
    expect(gate.fullReason()).toBeNull();
  });

  it('lets a stopping worker go at once (its batch is then nacked), and needs nothing without state', async () => {
    const { clock } = manualClock(0);
    const state = createMemoryRelayState();
    await state.enqueue([request('a')], 0);
    const stopping = new AbortController();
    stopping.abort();
    await outboxGate({ state, maxItems: 1, clock, log, storeHealth: undefined }).wait({
      clock,
      log,
      signal: stopping.signal,
    });
    await outboxGate({ state: undefined, maxItems: 1, clock, log, storeHealth: undefined }).wait({
      clock,
      log,
      signal: new AbortController().signal,
    });
  });
});
