import type { ChannelName, Outcome } from '../channels/types.js';

export interface OutcomeSummary {
  findingId: string;
  messageId: string;
  agent: string | undefined;
  title: string | undefined;
  severity: string | undefined;
  settlement: 'ack' | 'nack' | 'dead-letter';
  reason?: string;
  detail?: string;
  channels: Partial<Record<ChannelName, Outcome>>;
  settledAt: string;
  deliveryAttempt: number;
}

/**
 * The summary with every cause and detail passed through `redact` (the one redactor of the
 * worker's secrets): channel errors echo URLs and headers, and what is stored here is served by
 * `/api/outcomes/{id}` and the status page.
 */
export function redactSummary(summary: OutcomeSummary, redact: (text: string) => string): OutcomeSummary {
  const channels = Object.fromEntries(
    Object.entries(summary.channels).map(([channel, outcome]) => [
      channel,
      outcome && 'cause' in outcome ? { ...outcome, cause: redact(outcome.cause) } : outcome,
    ]),
  ) as OutcomeSummary['channels'];
  return {
    ...summary,
    channels,
    ...(summary.detail === undefined ? {} : { detail: redact(summary.detail) }),
  };
}

/** The last N outcomes by finding id, for `GET /api/outcomes/{id}`, the status page and smoke. */
export class RecentOutcomes {
  #byId = new Map<string, OutcomeSummary>();

  constructor(private readonly capacity = 10_000) {}

  add(summary: OutcomeSummary): void {
    this.#byId.delete(summary.findingId);
    this.#byId.set(summary.findingId, summary);
    if (this.#byId.size > this.capacity) {
      const oldest = this.#byId.keys().next().value;
      if (oldest !== undefined) this.#byId.delete(oldest);
    }
  }

  /** A dispatcher finished (or retried) one channel of a finding this worker may have taken in. */
  updateChannel(findingId: string, channel: ChannelName, outcome: Outcome, at: string): void {
    const summary = this.#byId.get(findingId);
    if (!summary) return;
    summary.channels = { ...summary.channels, [channel]: outcome };
    summary.settledAt = at;
  }

  get(findingId: string): OutcomeSummary | undefined {
    return this.#byId.get(findingId);
  }

  latest(n: number): OutcomeSummary[] {
    return [...this.#byId.values()].slice(-n).reverse();
  }
}
