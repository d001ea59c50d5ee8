import { describe, expect, it } from 'vitest';
import { RecentOutcomes } from '../observability/recent-outcomes.js';
import { createMemoryRelayState } from '../state/memory-relay-state.js';
import { lookupOutcome } from './outcome-lookup.js';

const request = (channel: 'slack' | 'github') => ({
  eventId: 'e1',
  channel,
  target: `${channel}:t`,
  fingerprint: 'fp',
  priority: 0,
  payload: {},
});

describe('the outcomes API lookup', () => {
  it("brings a channel still queued here up to date from the shared state (another worker's dispatcher)", async () => {
    const state = createMemoryRelayState();
    await state.enqueue([request('slack'), request('github')], 0);
    await state.complete([{ eventId: 'e1', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }], 1);
    await state.complete(
      [
        {
          eventId: 'e1',
          channel: 'github',
          kind: 'dead-lettered',
          reason: 'permanent-github',
          detail: '422',
        },
      ],
      1,
    );
    const recent = new RecentOutcomes();
    recent.add({
      findingId: 'e1',
      messageId: 'm1',
      agent: 'a',
      title: 't',
      severity: 'high',
      settlement: 'ack',
      channels: { slack: { kind: 'queued' }, github: { kind: 'queued' } },
      settledAt: '',
      deliveryAttempt: 1,
    });
    const found = await lookupOutcome('e1', recent, state);
    expect(found?.channels).toEqual({
      slack: { kind: 'sent' },
      github: { kind: 'permanent', reason: 'permanent-github', cause: '422' },
    });
    expect(found?.messageId).toBe('m1');
  });

  it('answers from the state alone for a finding another worker took in, and not at all for an unknown one', async () => {
    const state = createMemoryRelayState();
    await state.enqueue([request('github')], 0);
    expect((await lookupOutcome('e1', new RecentOutcomes(), state))?.channels).toEqual({
      github: { kind: 'queued' },
    });
    expect(await lookupOutcome('nope', new RecentOutcomes(), state)).toBeUndefined();
    state.setUnavailable(true);
    expect(await lookupOutcome('e1', new RecentOutcomes(), state)).toBeUndefined();
  });
});
