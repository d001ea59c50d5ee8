import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { findingSchema } from '../finding/schema.js';
import type { Clock } from '../lib/clock.js';
import { STORE_OUTAGE_WAIT_MS } from '../lib/store-wait.js';
import { createSideEffectClaims } from '../state/claims.js';
import { createFingerprintWindow } from '../state/fingerprint-window.js';
import { createMemoryStore } from '../state/memory-store.js';
import { type StateStore, StoreUnavailableError } from '../state/store.js';
import { dedupeStage } from './dedupe.js';
import { recordStage } from './record.js';
import { inboundMessage } from './test-envelope.js';
import type { Envelope } from './types.js';

/** Time passes only by sleeping, so a wait of a minute costs nothing. */
function sleepingClock(): Clock {
  let t = 1_700_000_000_000;
  return {
    now: () => t,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      t += ms;
    },
  };
}

/** A memory store that fails every call while `down` or before `upAt` (as GCS answering 503 would). */
function switchableStore(clock: Clock) {
  const store = createMemoryStore();
  const state = { down: false, upAt: 0, calls: 0 };
  const guard =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => {
      state.calls += 1;
      return state.down || clock.now() < state.upAt
        ? Promise.reject(new StoreUnavailableError('503 from the store'))
        : f(...a);
    };
  const wrapped: StateStore = {
    location: store.location,
    createIfAbsent: guard((k, d) => store.createIfAbsent(k, d)),
    read: guard((k) => store.read(k)),
    compareAndSwap: guard((k, g, d) => store.compareAndSwap(k, g, d)),
    delete: guard((k, g) => store.delete(k, g)),
    list: guard((p) => store.list(p)),
  };
  return { store: wrapped, state };
}

function envelope(id: string, fingerprint = id): Envelope {
  const finding = findingSchema.parse({
    schemaVersion: 1,
    id,
    fingerprint,
    source: { agent: 'a' },
    severity: 'high',
    title: `t ${id}`,
    repo: 'acme/web',
    occurredAt: '2026-11-26T10:00:00Z',
  });
  return {
    message: inboundMessage(JSON.stringify(finding)),
    receivedAt: 0,
    finding,
    decisions: new Map([['slack', { do: 'deliver' }]]),
    outcomes: new Map(),
    claims: new Map(),
  };
}

function setup() {
  const clock = sleepingClock();
  const { store, state } = switchableStore(clock);
  const claims = createSideEffectClaims(store, { holder: 'w1', leaseMs: 120_000, clock });
  const window = createFingerprintWindow(store, { windowS: 3600, clock });
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line).msg) });
  const controller = new AbortController();
  const ctx = { clock, log, signal: controller.signal };
  return { clock, state, claims, window, lines, ctx, controller, dedupe: dedupeStage(claims, window) };
}

describe('dedupe while the state store is unavailable', () => {
  it('holds the message until the store answers again, then claims it (no nack, one log line)', async () => {
    const { state, dedupe, ctx, lines, clock } = setup();
    const started = clock.now();
    state.upAt = started + 20_000; // the store comes back after 20 s of the message's waiting
    const batch = [envelope('e1')];
    await dedupe(batch, ctx);
    expect(batch[0]!.outcomes.size).toBe(0); // not transient: it goes on to delivery
    expect(batch[0]!.claims.get('slack')?.windowToken).toBeDefined();
    expect(clock.now() - started).toBeGreaterThan(20_000);
    expect(lines).toEqual(['state store unavailable: will retry']);
  });

  it('hands the message back (transient) once the store has been down for the whole wait', async () => {
    const { state, dedupe, ctx, lines, clock } = setup();
    state.down = true;
    const started = clock.now();
    const batch = [envelope('e2')];
    await dedupe(batch, ctx);
    expect(batch[0]!.outcomes.get('slack')).toMatchObject({
      kind: 'transient',
      cause: 'state store unavailable: 503 from the store',
    });
    expect(batch[0]!.claims.size).toBe(0);
    const waited = clock.now() - started;
    expect(waited).toBeGreaterThan(STORE_OUTAGE_WAIT_MS - 5_000);
    expect(waited).toBeLessThanOrEqual(STORE_OUTAGE_WAIT_MS);
    expect(lines).toEqual(['state store unavailable: will retry', 'state store unavailable: handed back']);
  });

  it('stops waiting at once when the worker is stopping', async () => {
    const { state, dedupe, ctx, controller, clock } = setup();
    state.down = true;
    controller.abort();
    const started = clock.now();
    const batch = [envelope('e3')];
    await dedupe(batch, ctx);
    expect(batch[0]!.outcomes.get('slack')?.kind).toBe('transient');
    expect(clock.now() - started).toBe(0);
  });

  it('keeps a claim it took when only the fingerprint window failed, instead of waiting on itself', async () => {
    const { state, dedupe, ctx, claims, window } = setup();
    // Claims answer, then the store goes down just before the window is asked.
    const firstInWindow = window.firstInWindow.bind(window);
    let failures = 2;
    window.firstInWindow = async (...args) => {
      if (failures-- > 0) throw new StoreUnavailableError('window: 503');
      return firstInWindow(...args);
    };
    const batch = [envelope('e4')];
    await dedupe(batch, ctx);
    expect(batch[0]!.outcomes.size).toBe(0);
    expect(batch[0]!.claims.get('slack')).toBeDefined();
    await recordStage(claims, window)(batch, ctx); // no outcome: released, so the next delivery can act
    expect((await claims.claim('e4', 'slack')).status).toBe('claimed');
    expect(state.down).toBe(false);
  });

  it("records a side effect's done mark through an outage rather than losing it", async () => {
    const { state, dedupe, ctx, claims, window, clock } = setup();
    const batch = [envelope('e5')];
    await dedupe(batch, ctx);
    batch[0]!.outcomes.set('slack', { kind: 'sent' });
    state.upAt = clock.now() + 10_000;
    await recordStage(claims, window)(batch, ctx);
    expect(await claims.claim('e5', 'slack')).toMatchObject({ status: 'done', record: { kind: 'sent' } });
  });
});
