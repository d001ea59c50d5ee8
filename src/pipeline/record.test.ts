import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChannelSink, DeliveryItem, Outcome } from '../channels/types.js';
import { findingSchema } from '../finding/schema.js';
import { systemClock } from '../lib/clock.js';
import { createSideEffectClaims } from '../state/claims.js';
import { createMemoryStore } from '../state/memory-store.js';
import { deliverStage } from './deliver.js';
import { recordChannel, recordStage } from './record.js';
import { inboundMessage } from './test-envelope.js';
import type { Envelope } from './types.js';

const ctx = { clock: systemClock, log: pino({ level: 'silent' }), signal: new AbortController().signal };

function envelope(id: string): Envelope {
  const finding = findingSchema.parse({
    schemaVersion: 1,
    id,
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
    decisions: new Map([
      ['slack', { do: 'deliver' }],
      ['github', { do: 'deliver' }],
    ]),
    outcomes: new Map(),
    claims: new Map(),
  };
}

/** A sink answering every item with `outcome` once `gate` resolves. */
function sink(
  channel: 'slack' | 'github',
  outcome: Outcome,
  gate: Promise<void> = Promise.resolve(),
): ChannelSink {
  return {
    channel,
    async deliver(items) {
      await gate;
      return new Map(items.map((i: DeliveryItem) => [i, outcome]));
    },
  };
}

describe('recording claims per channel', () => {
  it('marks a channel done as soon as its own outcomes are in, before a slower channel finishes', async () => {
    const claims = createSideEffectClaims(createMemoryStore(), {
      holder: 'w',
      leaseMs: 60_000,
      clock: systemClock,
    });
    const batch = [envelope('e1'), envelope('e2')];
    for (const e of batch) {
      for (const channel of ['slack', 'github'] as const) {
        const claim = await claims.claim(e.finding!.id, channel);
        if (claim.status !== 'claimed') throw new Error('not claimed');
        e.claims.set(channel, { token: claim.token });
      }
    }
    let openGitHub: () => void = () => undefined;
    const github = new Promise<void>((resolve) => {
      openGitHub = resolve;
    });
    const sinks = new Map<'slack' | 'github', ChannelSink>([
      ['slack', sink('slack', { kind: 'sent' })],
      ['github', sink('github', { kind: 'transient', cause: '502' }, github)],
    ]);
    const delivering = deliverStage(sinks, recordChannel(claims, undefined))(batch, ctx);
    await new Promise((r) => setTimeout(r, 20));
    // Slack is recorded while GitHub is still busy: a worker dying now cannot make Slack post twice.
    expect(await claims.claim('e1', 'slack')).toEqual({ status: 'done', record: { kind: 'sent' } });
    expect(batch[0]!.claims.has('slack')).toBe(false);
    expect((await claims.claim('e1', 'github')).status).toBe('held'); // GitHub's is still in use
    openGitHub();
    await recordStage(claims, undefined)(await delivering, ctx);
    // The transient GitHub outcome released the claim: the next delivery may act at once.
    expect(batch.every((e) => e.claims.size === 0)).toBe(true);
    expect((await claims.claim('e2', 'github')).status).toBe('claimed');
  });
});
