import type { ChannelName, Outcome } from '../channels/types.js';
import { type OutboxShared, outboxChannelPart, outboxShared } from '../dispatch/outbox-payload.js';
import { type DispatchTargets, targetFor } from '../dispatch/targets.js';
import { untilStoreAnswers } from '../lib/store-wait.js';
import { severityRank } from '../policy/severity.js';
import type { EnqueueRequest, EnqueueResult, RelayState } from '../state/relay-state.js';
import type { Stage, StageContext } from './stage.js';
import type { Envelope } from './types.js';

export interface EnqueueSettings {
  /** The dispatcher target of each channel and webhook this worker can act on (absent: nothing to queue for it). */
  readonly targets: DispatchTargets;
  /** DEDUPE_WINDOW_S in ms: Slack announces the first finding of a fingerprint per window. */
  readonly windowMs: number;
  /** Waits while the outbox is this full (backpressure): the backlog stays in Pub/Sub. */
  readonly outboxFull: (ctx: StageContext) => Promise<void>;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * ONE state transaction per micro-batch: per (event id, channel) insert-if-absent (a redelivery
 * finds its earlier entry), Slack's fingerprint window checked and set, and an outbox entry for
 * each side effect still to do. After it every channel is final or `queued`, so the message can be
 * acked without waiting for a digest window or GitHub's pace. The store being down makes the
 * batch wait (bounded), then every channel is transient and the message is nacked.
 */
export function enqueueStage(state: RelayState | undefined, settings: EnqueueSettings): Stage {
  return async (batch, ctx) => {
    const requests: EnqueueRequest[] = [];
    const owners: Array<{ envelope: Envelope; channel: ChannelName }> = [];
    for (const envelope of batch) {
      const finding = envelope.finding;
      if (!finding) continue;
      let shared: OutboxShared | undefined;
      for (const [channel, decision] of envelope.decisions) {
        if (decision.do === 'drop' || envelope.outcomes.has(channel)) continue;
        const target = state ? targetFor(settings.targets, channel, decision) : undefined;
        if (!target || (channel === 'slack' && decision.do === 'dry-run')) {
          // No dispatcher for it here (the matrix has no Slack dry run): fail closed, visibly.
          envelope.outcomes.set(channel, { kind: 'dropped', reason: 'mode-disabled' });
          continue;
        }
        // One object for the event's channels: a backend keeps it once (sqlite: once per event).
        shared ??= outboxShared(finding, envelope.message);
        requests.push({
          eventId: finding.id,
          channel,
          target,
          fingerprint: finding.fingerprint,
          priority: severityRank(finding.severity),
          // A route's repo override travels with the channel (the GitHub sink files the issue
          // there); the finding keeps its own repo for the issue to show.
          payload: outboxChannelPart(decision.do, decision.repo),
          shared,
          ...(channel === 'slack' ? { window: { scope: target, windowMs: settings.windowMs } } : {}),
        });
        owners.push({ envelope, channel });
      }
    }
    if (!state || requests.length === 0) return batch;

    let results: EnqueueResult[];
    try {
      await settings.outboxFull(ctx);
      results = await untilStoreAnswers(
        () => state.enqueue(requests, ctx.clock.now()),
        ctx,
        (error) =>
          ctx.log.warn(
            { findings: requests.length, err: describe(error) },
            'state store unavailable: waiting',
          ),
      );
    } catch (error) {
      const cause = `state store unavailable: ${describe(error)}`;
      for (const { envelope, channel } of owners)
        envelope.outcomes.set(channel, { kind: 'transient', cause });
      return batch;
    }
    owners.forEach(({ envelope, channel }, i) => {
      envelope.outcomes.set(channel, outcomeOf(results[i]!));
    });
    return batch;
  };
}

function outcomeOf(result: EnqueueResult): Outcome {
  switch (result.status) {
    case 'queued':
      return { kind: 'queued' };
    case 'duplicate':
      return { kind: 'dropped', reason: 'duplicate' };
    case 'already':
      // A redelivery: what the first delivery recorded, or still waiting in the outbox.
      return result.state === 'done' && result.outcome ? (result.outcome as Outcome) : { kind: 'queued' };
  }
}
