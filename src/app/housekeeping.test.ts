import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../lib/test-clock.js';
import { createMemoryRelayState } from '../state/memory-relay-state.js';
import { doneRetentionMs, PUBSUB_RETENTION_MS, startHousekeeping } from './housekeeping.js';

const DAY = 24 * 3600 * 1000;

describe('state housekeeping', () => {
  it('remembers a done delivery longer than Pub/Sub keeps a message and than the dedupe window', () => {
    expect(doneRetentionMs(86_400)).toBe(PUBSUB_RETENTION_MS + DAY);
    expect(doneRetentionMs(30 * 86_400)).toBe(31 * DAY);
  });

  it('expires final rows past their retention every period, never a queued entry, and stops', async () => {
    const { clock, advance } = manualClock(0);
    const state = createMemoryRelayState();
    const request = (eventId: string) => ({
      eventId,
      channel: 'github' as const,
      target: 'github:dry-run',
      fingerprint: `fp-${eventId}`,
      priority: 0,
      payload: {},
    });
    await state.enqueue([request('done'), request('waiting')], 0);
    await state.complete(
      [{ eventId: 'done', channel: 'github', kind: 'done', outcome: { kind: 'sent' } }],
      0,
    );
    const keeper = startHousekeeping({
      state,
      clock,
      log: pino({ level: 'silent' }),
      retentionMs: 1_000,
      everyMs: 500,
    });
    await advance(400);
    expect(await state.deliveries('done')).toHaveLength(1); // no pass yet
    await advance(1_200);
    expect(await state.deliveries('done')).toEqual([]);
    expect(await state.deliveries('waiting')).toMatchObject([{ state: 'queued' }]);
    await keeper.stop();
  });
});
