import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../channels/types.js';
import { readOutboxPayload } from '../dispatch/outbox-payload.js';
import { testFinding } from '../finding/test-findings.js';
import { manualClock } from '../lib/test-clock.js';
import { createMemoryRelayState } from '../state/memory-relay-state.js';
import type { RelayState } from '../state/relay-state.js';
import { enqueueStage } from './enqueue.js';
import { inboundMessage } from './test-envelope.js';
import type { Envelope } from './types.js';

const log = pino({ level: 'silent' });
const targets = { slack: 'slack:hook', github: 'github:dry-run' };

function envelope(id: string, fingerprint: string, decisions: Record<string, Decision['do']>): Envelope {
  const finding = testFinding({ id, severity: 'critical', repo: 'acme/api', fingerprint });
  return {
    message: inboundMessage(JSON.stringify(finding), { id: `m-${id}` }),
    receivedAt: 0,
    finding,
    decisions: new Map(
      Object.entries(decisions).map(([c, d]) => [c as 'slack' | 'github', { do: d } as Decision]),
    ),
    outcomes: new Map(),
  };
}

/** Counts the state's enqueue transactions. */
function counting(state: RelayState) {
  const calls: number[] = [];
  return {
    calls,
    state: {
      ...state,
      enqueue: (r: Parameters<RelayState['enqueue']>[0], now: number) => {
        calls.push(r.length);
        return state.enqueue(r, now);
      },
    },
  };
}

async function run(state: RelayState, batch: Envelope[], now = 1_000) {
  const { clock } = manualClock(now);
  const stage = enqueueStage(state, { targets, windowMs: 60_000, outboxFull: async () => undefined });
  return stage(batch, { clock, log, signal: new AbortController().signal });
}

describe('the enqueue stage', () => {
  it('queues a whole micro-batch in one transaction; Slack announces a fingerprint once per window', async () => {
    const { state, calls } = counting(createMemoryRelayState());
    const batch = [
      envelope('a', 'fp-1', { slack: 'deliver', github: 'dry-run' }),
      envelope('b', 'fp-1', { slack: 'deliver', github: 'dry-run' }),
      envelope('c', 'fp-2', { slack: 'deliver', github: 'dry-run' }),
    ];
    await run(state, batch);
    expect(calls).toEqual([6]);
    expect(batch.map((e) => [e.outcomes.get('slack')?.kind, e.outcomes.get('github')?.kind])).toEqual([
      ['queued', 'queued'],
      ['dropped', 'queued'], // GitHub's own recurrence rule (a comment per window) is its dispatcher's
      ['queued', 'queued'],
    ]);
    expect(batch[1]!.outcomes.get('slack')).toEqual({ kind: 'dropped', reason: 'duplicate' });
    const [taken] = [
      (await state.takeDue({ name: 'l', holder: 'w', ttlMs: 1_000 }, 'github:dry-run', 10, 1_000)).entries,
    ];
    expect(taken?.map((e) => [e.eventId, e.priority])).toEqual([
      ['a', 4],
      ['b', 4],
      ['c', 4],
    ]);
  });

  it('gives a redelivery what the first delivery recorded, and writes nothing new', async () => {
    const state = createMemoryRelayState();
    await run(state, [envelope('a', 'fp-1', { slack: 'deliver' })]);
    await state.complete(
      [{ eventId: 'a', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }],
      2_000,
    );
    const again = envelope('a', 'fp-1', { slack: 'deliver', github: 'dry-run' });
    await run(state, [again], 3_000);
    expect(again.outcomes.get('slack')).toEqual({ kind: 'sent' });
    expect(again.outcomes.get('github')).toEqual({ kind: 'queued' });
    const still = envelope('a', 'fp-1', { github: 'dry-run' });
    await run(state, [still], 4_000);
    expect(still.outcomes.get('github')).toEqual({ kind: 'queued' });
  });

  it('fails closed: no dispatcher for a channel, or a Slack dry run, is dropped as mode-disabled', async () => {
    const { state, calls } = counting(createMemoryRelayState());
    const { clock } = manualClock(0);
    const stage = enqueueStage(state, {
      targets: { github: 'github:dry-run' },
      windowMs: 1,
      outboxFull: async () => undefined,
    });
    const batch = [envelope('a', 'fp', { slack: 'deliver' }), envelope('b', 'fp', { slack: 'dry-run' })];
    await stage(batch, { clock, log, signal: new AbortController().signal });
    expect(batch.map((e) => e.outcomes.get('slack'))).toEqual([
      { kind: 'dropped', reason: 'mode-disabled' },
      { kind: 'dropped', reason: 'mode-disabled' },
    ]);
    expect(calls).toEqual([]);
    // Without any state (no channel active) nothing is ever asked of a store.
    const none = [envelope('c', 'fp', { github: 'dry-run' })];
    await enqueueStage(undefined, { targets, windowMs: 1, outboxFull: async () => undefined })(none, {
      clock,
      log,
      signal: new AbortController().signal,
    });
    expect(none[0]!.outcomes.get('github')).toEqual({ kind: 'dropped', reason: 'mode-disabled' });
  });

  it('leaves decided drops alone and holds the batch while the outbox is full', async () => {
    const state = createMemoryRelayState();
    const { clock } = manualClock(0);
    let waited = 0;
    const stage = enqueueStage(state, {
      targets,
      windowMs: 1,
      outboxFull: async () => {
        waited += 1;
      },
    });
    const drop = envelope('d', 'fp', { github: 'drop' });
    drop.outcomes.set('github', { kind: 'dropped', reason: 'no-repo' });
    await stage([drop], { clock, log, signal: new AbortController().signal });
    expect(waited).toBe(0);
    expect(drop.outcomes.get('github')).toEqual({ kind: 'dropped', reason: 'no-repo' });
    await stage([envelope('e', 'fp', { github: 'dry-run' })], {
      clock,
      log,
      signal: new AbortController().signal,
    });
    expect(waited).toBe(1);
  });

  it("queues a routed webhook's entries for its own target and files a repo override with the original repo beside it", async () => {
    const state = createMemoryRelayState();
    const e = envelope('r1', 'fp-r', {});
    e.decisions.set('slack', { do: 'deliver', route: 'secrets', webhook: 'SECURITY' });
    e.decisions.set('github', { do: 'dry-run', route: 'secrets', repo: 'acme/security-triage' });
    const other = envelope('r2', 'fp-r', { slack: 'deliver' });
    const { clock } = manualClock(1_000);
    const stage = enqueueStage(state, {
      targets: { ...targets, slackWebhooks: { SECURITY: 'slack:security' } },
      windowMs: 60_000,
      outboxFull: async () => undefined,
    });
    await stage([e, other], { clock, log, signal: new AbortController().signal });
    // One window per webhook: the same fingerprint on the default webhook is not a duplicate.
    expect(e.outcomes.get('slack')).toEqual({ kind: 'queued' });
    expect(other.outcomes.get('slack')).toEqual({ kind: 'queued' });
    const lease = { name: 'l', holder: 'w', ttlMs: 1_000 };
    const routed = (await state.takeDue(lease, 'slack:security', 10, 1_000)).entries;
    expect(routed.map((x) => x.eventId)).toEqual(['r1']);
    expect(
      (await state.takeDue({ ...lease, name: 'l2' }, 'slack:hook', 10, 1_000)).entries.map((x) => x.eventId),
    ).toEqual(['r2']);
    const [github] = (await state.takeDue({ ...lease, name: 'l3' }, 'github:dry-run', 10, 1_000)).entries;
    expect(readOutboxPayload(github!.payload, github!.shared).finding).toMatchObject({
      repo: 'acme/security-triage',
      routedFrom: 'acme/api',
    });
    // The event's shared part is the finding as published (one object for both channels).
    expect((github!.shared as { finding: { repo: string } }).finding.repo).toBe('acme/api');
  });

  it('drops a routed webhook that has no dispatcher here (its secret unset) as mode-disabled', async () => {
    const state = createMemoryRelayState();
    const e = envelope('r3', 'fp-3', {});
    e.decisions.set('slack', { do: 'deliver', route: 'secrets', webhook: 'UNSET' });
    await run(state, [e]);
    expect(e.outcomes.get('slack')).toEqual({ kind: 'dropped', reason: 'mode-disabled' });
  });
});
