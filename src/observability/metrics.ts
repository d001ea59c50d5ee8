import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { OutcomesPerMinute } from './outcomes-per-minute.js';

/** The outbox of one channel, as its gauges report it. */
export interface OutboxGaugeValues {
  readonly channel: string;
  readonly items: number;
  readonly oldestAgeS: number;
}

/**
 * What the gauges read at scrape time, given once when the metrics are made. An absent probe reads
 * as nothing in hand, a store that answers, and an empty outbox.
 */
export interface MetricsProbes {
  /** Messages received and not yet settled (the subscriber's count). */
  readonly inHand?: () => number;
  /** False while the last claims on the state store failed as unavailable (its health tracker). */
  readonly storeAvailable?: () => boolean;
  /** The state store's outbox per channel (fleet-wide); a failed read reports no series. */
  readonly outbox?: () => Promise<readonly OutboxGaugeValues[]>;
}

export interface RelayMetricsOptions {
  /** The default process_* and nodejs_* metrics too (one per process: the worker's). */
  readonly processMetrics?: boolean;
  readonly probes?: MetricsProbes;
}

/** Every metric the relay keeps; one registry per worker so tests can run several. */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly #probes: Required<MetricsProbes>;
  /** Channel outcomes per minute for the last hour, in process: the status page's chart (not exported). */
  readonly perMinute = new OutcomesPerMinute();
  /** Constant 1, labelled with what the worker resolved at start (join on it in dashboards). */
  readonly info = new Gauge({
    name: 'finding_relay_info',
    help: 'Package version, deployment environment and channel modes this worker resolved at start (value 1)',
    labelNames: ['version', 'environment', 'slack_mode', 'github_mode'],
    registers: [this.registry],
  });
  readonly received = new Counter({
    name: 'finding_relay_messages_received_total',
    help: 'Pub/Sub messages received (redeliveries included)',
    registers: [this.registry],
  });
  readonly valid = new Counter({
    name: 'finding_relay_findings_valid_total',
    help: 'Messages that passed intake as a valid finding (per delivery, redeliveries included)',
    registers: [this.registry],
  });
  readonly invalid = new Counter({
    name: 'finding_relay_findings_invalid_total',
    help: 'Messages refused by intake, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: 'finding_relay_outcomes_total',
    help: 'Outcomes per finding and channel (outcome: sent, dry-run, dropped, transient, permanent)',
    labelNames: ['channel', 'outcome', 'reason'],
    registers: [this.registry],
  });
  readonly settlements = new Counter({
    name: 'finding_relay_settlements_total',
    help: 'How messages left, by settlement (ack, nack, dead-letter)',
    labelNames: ['settlement'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'finding_relay_dead_lettered_total',
    help: 'Messages this worker published to the dead-letter topic, by reason (Pub/Sub policy dead-letters not included)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'finding_relay_publish_to_outcome_seconds',
    help: 'From Pub/Sub publish time to settlement, by settlement (ack, nack, dead-letter)',
    labelNames: ['settlement'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly inHand: Gauge = new Gauge({
    name: 'finding_relay_messages_in_hand',
    help: 'Messages received and not yet settled',
    registers: [this.registry],
    collect: (): void => this.inHand.set(this.#probes.inHand()),
  });
  readonly slackMessages = new Counter({
    name: 'finding_relay_slack_messages_total',
    help: 'Slack webhook posts by result (sent, transient, permanent), one per HTTP attempt',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly slackDigestSize = new Histogram({
    name: 'finding_relay_slack_digest_findings',
    help: 'Findings per Slack digest (observed once per digest, on its first attempt)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly githubCalls = new Counter({
    name: 'finding_relay_github_calls_total',
    help: 'GitHub API calls by operation and HTTP status code (code="error" when no answer came)',
    labelNames: ['operation', 'code'],
    registers: [this.registry],
  });
  readonly githubRateLimitWaits = new Counter({
    name: 'finding_relay_github_rate_limit_waits_total',
    help: 'GitHub rate-limit answers (primary or secondary) that paused writes',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly githubRateLimitWaitSeconds = new Counter({
    name: 'finding_relay_github_rate_limit_wait_seconds_total',
    help: 'Seconds GitHub writes were paused by rate-limit answers (retry-after), summed',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly githubRateLimitRemaining = new Gauge({
    name: 'finding_relay_github_rate_limit_remaining',
    help: 'x-ratelimit-remaining of the latest GitHub answer, by x-ratelimit-resource',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  readonly githubRateLimitLimit = new Gauge({
    name: 'finding_relay_github_rate_limit_limit',
    help: 'x-ratelimit-limit of the latest GitHub answer, by x-ratelimit-resource',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  readonly storeAvailable: Gauge = new Gauge({
    name: 'finding_relay_state_store_available',
    help: '0 while the last claims on the state store failed as unavailable, else 1',
    registers: [this.registry],
    collect: (): void => this.storeAvailable.set(this.#probes.storeAvailable() ? 1 : 0),
  });
  readonly outboxItems: Gauge = new Gauge({
    name: 'finding_relay_outbox_items',
    help: 'Entries waiting in the outbox for their dispatcher, per channel (fleet-wide: the shared state)',
    labelNames: ['channel'],
    registers: [this.registry],
    collect: async (): Promise<void> => {
      const stats = await this.#outboxStats();
      this.outboxItems.reset();
      for (const s of stats) this.outboxItems.set({ channel: s.channel }, s.items);
    },
  });
  readonly outboxOldestAge: Gauge = new Gauge({
    name: 'finding_relay_outbox_oldest_age_seconds',
    help: 'Age of the oldest entry waiting in the outbox, per channel (0 when empty)',
    labelNames: ['channel'],
    registers: [this.registry],
    collect: async (): Promise<void> => {
      const stats = await this.#outboxStats();
      this.outboxOldestAge.reset();
      for (const s of stats) this.outboxOldestAge.set({ channel: s.channel }, s.oldestAgeS);
    },
  });
  #outboxRead: Promise<readonly OutboxGaugeValues[]> | undefined;

  /**
   * One outbox read serves both gauges of a scrape: prom-client collects them in parallel, so the
   * second finds the first's read in flight. (Set by the other gauge's collect, the age was the
   * previous scrape's, and absent from the first.) A failed read reports no series.
   */
  #outboxStats(): Promise<readonly OutboxGaugeValues[]> {
    this.#outboxRead ??= this.#probes
      .outbox()
      .catch(() => [])
      .finally(() => {
        this.#outboxRead = undefined;
      });
    return this.#outboxRead;
  }

  constructor(opts: RelayMetricsOptions = {}) {
    this.#probes = {
      inHand: opts.probes?.inHand ?? (() => 0),
      storeAvailable: opts.probes?.storeAvailable ?? (() => true),
      outbox: opts.probes?.outbox ?? (async () => []),
    };
    // Under their standard names (process_*, nodejs_*), which stock dashboards expect.
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Sum of a counter's series whose labels pass `filter` (the status page's counters). */
  async total(
    metric: Counter<string>,
    filter: (labels: Record<string, unknown>) => boolean = () => true,
  ): Promise<number> {
    const { values } = await metric.get();
    return values.filter((v) => filter(v.labels)).reduce((sum, v) => sum + v.value, 0);
  }
}
