import type { RelayMetrics } from './metrics.js';

/** One "since start" figure of the status page; `key` is stable (tests and scripts read it). */
export interface CounterRow {
  readonly key: string;
  readonly label: string;
  readonly value: number;
}

type Labels = Record<string, unknown>;
const outcome = (channel: string, kind: string) => (l: Labels) => l.channel === channel && l.outcome === kind;

/** The status page's counters, each a sum over the same series /metrics exposes. */
export async function statusCounters(m: RelayMetrics): Promise<CounterRow[]> {
  const rows: Array<[string, string, Promise<number>]> = [
    ['received', 'messages received (redeliveries included)', m.total(m.received)],
    ['valid', 'valid findings', m.total(m.valid)],
    ['invalid', 'invalid messages', m.total(m.invalid)],
    ['acked', 'acked', m.total(m.settlements, (l) => l.settlement === 'ack')],
    ['nacked', 'nacked (to be redelivered)', m.total(m.settlements, (l) => l.settlement === 'nack')],
    [
      'dead-lettered',
      'dead-lettered by this worker',
      m.total(m.settlements, (l) => l.settlement === 'dead-letter'),
    ],
    [
      'queued',
      'queued in the outbox at intake (any channel)',
      m.total(m.outcomes, (l) => l.outcome === 'queued'),
    ],
    ['slack-sent', 'slack: sent', m.total(m.outcomes, outcome('slack', 'sent'))],
    ['slack-dropped', 'slack: dropped', m.total(m.outcomes, outcome('slack', 'dropped'))],
    ['github-sent', 'github: sent', m.total(m.outcomes, outcome('github', 'sent'))],
    ['github-dry-run', 'github: dry-run (ledger)', m.total(m.outcomes, outcome('github', 'dry-run'))],
    ['github-dropped', 'github: dropped', m.total(m.outcomes, outcome('github', 'dropped'))],
    ['transient', 'transient failures (any channel)', m.total(m.outcomes, (l) => l.outcome === 'transient')],
    ['permanent', 'permanent failures (any channel)', m.total(m.outcomes, (l) => l.outcome === 'permanent')],
    ['slack-messages', 'slack messages posted', m.total(m.slackMessages, (l) => l.result === 'sent')],
    ['github-calls', 'github API calls', m.total(m.githubCalls)],
  ];
  return Promise.all(rows.map(async ([key, label, value]) => ({ key, label, value: await value })));
}

/** Dead letters this worker published since start, by reason (the live backlog may hold more). */
export async function deadLetteredByReason(m: RelayMetrics): Promise<Record<string, number>> {
  const { values } = await m.deadLettered.get();
  const byReason: Record<string, number> = {};
  for (const v of values) {
    const reason = String(v.labels.reason ?? 'unknown');
    byReason[reason] = (byReason[reason] ?? 0) + v.value;
  }
  return byReason;
}
