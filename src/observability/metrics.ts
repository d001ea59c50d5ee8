import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every counter the relay keeps; one registry per worker so tests can run several. */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'finding_relay_messages_received_total',
    help: 'Pub/Sub messages received (redeliveries included)',
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
    help: 'How messages left: ack, nack or dead-letter',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'finding_relay_dead_lettered_total',
    help: 'Messages the relay published to the dead-letter topic, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'finding_relay_publish_to_outcome_seconds',
    help: 'From Pub/Sub publish time to settlement',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  /** Read at scrape time; the worker points it at its subscriber. */
  inHandProbe: () => number = () => 0;
  readonly inHand: Gauge = new Gauge({
    name: 'finding_relay_messages_in_hand',
    help: 'Messages received and not yet settled',
    registers: [this.registry],
    collect: (): void => this.inHand.set(this.inHandProbe()),
  });
  readonly slackMessages = new Counter({
    name: 'finding_relay_slack_messages_total',
    help: 'Slack webhook posts by result',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly slackDigestSize = new Histogram({
    name: 'finding_relay_slack_digest_findings',
    help: 'Findings per Slack digest',
    buckets: [1, 2, 5, 10, 20, 50, 100, 500, 1000, 5000],
    registers: [this.registry],
  });
  readonly githubCalls = new Counter({
    name: 'finding_relay_github_calls_total',
    help: 'GitHub API calls by operation and status',
    labelNames: ['operation', 'status'],
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'finding_relay_' });
  }
}
