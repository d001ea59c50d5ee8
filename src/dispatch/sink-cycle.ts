import type { ChannelSink, DeliveryItem, Outcome } from '../channels/types.js';
import type { Clock } from '../lib/clock.js';
import type { SilenceSource } from '../pipeline/route.js';
import type { DeadLetterPort } from '../pipeline/settle.js';
import { matchableFinding } from '../policy/matchers.js';
import { silencing } from '../policy/silence-decisions.js';
import type { Completion, OutboxEntry } from '../state/relay-state.js';
import type { CycleHandler } from './dispatcher.js';
import { type OutboxPayload, originalMessage, readOutboxPayload } from './outbox-payload.js';

/** Backoff of an entry's next attempt after a transient failure: 1 s doubling, at most 5 min. */
export function retryDelayMs(attempts: number, retryAfterMs: number | undefined): number {
  const backoff = Math.min(300_000, 1_000 * 2 ** Math.min(attempts, 20));
  return Math.max(backoff, retryAfterMs ?? 0);
}

export interface SinkCycleDeps {
  readonly sink: ChannelSink;
  readonly clock: Clock;
  /** Publishes the original message with reason and detail (already free of secrets). */
  readonly deadLetter: DeadLetterPort;
  readonly redact: (text: string) => string;
  /**
   * The silences in force: an entry a silence covers when its dispatcher takes it is completed as
   * `dropped: silenced` instead of sent (a silence mutes what is still queued, retries included).
   */
  readonly silences?: SilenceSource;
}

/**
 * A dispatcher cycle through a channel sink: the entries' findings go to the sink as one
 * delivery (one Slack digest; GitHub groups by fingerprint), and each outcome becomes a
 * completion: final → done; transient → retried from the outbox with backoff (never a Pub/Sub
 * redelivery); permanent → the original message on the dead-letter topic, then done.
 */
export function sinkCycle(deps: SinkCycleDeps): CycleHandler {
  return async (entries, signal) => {
    const completions: Completion[] = [];
    const rules = deps.silences?.() ?? [];
    const now = deps.clock.now();
    const items: Array<{ entry: OutboxEntry; payload: OutboxPayload; item: DeliveryItem }> = [];
    for (const entry of entries) {
      let payload: OutboxPayload;
      try {
        payload = readOutboxPayload(entry.payload, entry.shared);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        completions.push({ ...key(entry), kind: 'dead-lettered', reason: 'unreadable-outbox-entry', detail });
        continue;
      }
      const rule =
        rules.length === 0
          ? undefined
          : // Matched as intake matched it: on the finding's own repo, not a route's override.
            silencing(
              matchableFinding({
                ...payload.finding,
                repo: payload.finding.routedFrom ?? payload.finding.repo,
              }),
              entry.channel,
              rules,
              now,
            );
      if (rule) {
        const outcome = { kind: 'dropped', reason: 'silenced', silenceId: rule.id } as const;
        completions.push({ ...key(entry), kind: 'done', outcome });
        continue;
      }
      const item: DeliveryItem = {
        eventId: entry.eventId,
        finding: payload.finding,
        decision: payload.decision,
        publishedAt: payload.message.publishedAt,
      };
      items.push({ entry, payload, item });
    }
    if (items.length === 0) return completions;
    let outcomes: Map<DeliveryItem, Outcome>;
    try {
      outcomes = await deps.sink.deliver(
        items.map((i) => i.item),
        signal,
      );
    } catch (error) {
      const cause = deps.redact(
        `${deps.sink.channel} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      outcomes = new Map(items.map((i) => [i.item, { kind: 'transient', cause }]));
    }
    const settled = await Promise.all(
      items.map(({ entry, payload, item }) =>
        completionFor(entry, payload, outcomes.get(item) ?? { kind: 'transient', cause: 'no outcome' }, deps),
      ),
    );
    return [...completions, ...settled];
  };
}

const key = (entry: OutboxEntry) => ({ eventId: entry.eventId, channel: entry.channel });

async function completionFor(
  entry: OutboxEntry,
  payload: OutboxPayload,
  outcome: Outcome,
  deps: SinkCycleDeps,
): Promise<Completion> {
  const now = deps.clock.now();
  switch (outcome.kind) {
    case 'sent':
    case 'dry-run':
    case 'dropped':
      return { ...key(entry), kind: 'done', outcome };
    case 'permanent': {
      const detail = deps.redact(`${entry.channel}: ${outcome.cause}`);
      try {
        await deps.deadLetter(originalMessage(payload), outcome.reason, detail);
        return { ...key(entry), kind: 'dead-lettered', reason: outcome.reason, detail };
      } catch (error) {
        const cause = deps.redact(
          `dead-letter publish failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return { ...key(entry), kind: 'retry', dueAt: now + retryDelayMs(entry.attempts, undefined), cause };
      }
    }
    case 'transient':
      return {
        ...key(entry),
        kind: 'retry',
        dueAt: now + retryDelayMs(entry.attempts, outcome.retryAfterMs),
        cause: deps.redact(outcome.cause),
      };
    case 'queued':
      return { ...key(entry), kind: 'retry', dueAt: now, cause: 'a sink answered queued (a bug)' };
  }
}
