import { describe, expect, it } from 'vitest';
import { RelayMetrics } from './metrics.js';

describe('RelayMetrics', () => {
  it('exposes the default process metrics under their standard names', async () => {
    const text = await new RelayMetrics({ processMetrics: true }).registry.metrics();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toMatch(/^finding_relay_(process|nodejs)_/m);
  });

  it('gives each label name one meaning across metrics', async () => {
    const m = new RelayMetrics();
    const labels = new Map<string, string[]>();
    for (const metric of m.registry.getMetricsAsArray()) {
      const names = (metric as unknown as { labelNames: string[] }).labelNames;
      for (const l of names) labels.set(l, [...(labels.get(l) ?? []), metric.name]);
    }
    // The only names in use, each with the one meaning named here.
    expect([...labels.keys()].sort()).toEqual(
      [
        'channel', // slack | github
        'code', // an HTTP status code ("error": no answer)
        'environment',
        'github_mode',
        'kind', // rate-limit kind: primary | secondary
        'operation',
        'outcome', // sent, dry-run, dropped, transient, permanent, queued
        'reason', // why: a dead-letter, drop or refusal reason
        'resource', // x-ratelimit-resource
        'result', // sent | transient | permanent of one HTTP attempt
        'settlement', // ack | nack | dead-letter
        'slack_mode',
        'version',
      ].sort(),
    );
    expect(labels.get('kind')).toEqual([
      'finding_relay_github_rate_limit_waits_total',
      'finding_relay_github_rate_limit_wait_seconds_total',
    ]);
    expect(labels.get('settlement')).toEqual([
      'finding_relay_settlements_total',
      'finding_relay_publish_to_outcome_seconds',
    ]);
    expect(labels.has('status')).toBe(false);
  });

  it('labels finding_relay_info with the version', async () => {
    const m = new RelayMetrics();
    m.info.set({ version: '1.2.3', environment: 'dev', slack_mode: 'ENABLED', github_mode: 'DRY_RUN' }, 1);
    expect(await m.registry.metrics()).toContain(
      'finding_relay_info{version="1.2.3",environment="dev",slack_mode="ENABLED",github_mode="DRY_RUN"} 1',
    );
  });

  it('reads the probes it was made with at each scrape', async () => {
    let inHand = 3;
    let available = false;
    let slack = { channel: 'slack', items: 4, oldestAgeS: 1.5 };
    let reads = 0;
    const m = new RelayMetrics({
      probes: {
        inHand: () => inHand,
        storeAvailable: () => available,
        outbox: async () => {
          reads += 1;
          return [slack, { channel: 'github', items: 0, oldestAgeS: 0 }];
        },
      },
    });
    const first = await m.registry.metrics();
    expect(first).toMatch(/^finding_relay_messages_in_hand 3$/m);
    expect(first).toMatch(/^finding_relay_state_store_available 0$/m);
    expect(first).toMatch(/^finding_relay_outbox_items\{channel="slack"\} 4$/m);
    expect(first).toMatch(/^finding_relay_outbox_items\{channel="github"\} 0$/m);
    // Both outbox gauges from this scrape's read, the age on the first scrape too; one read.
    expect(first).toMatch(/^finding_relay_outbox_oldest_age_seconds\{channel="slack"\} 1.5$/m);
    expect(first).toMatch(/^finding_relay_outbox_oldest_age_seconds\{channel="github"\} 0$/m);
    expect(reads).toBe(1);
    inHand = 0;
    available = true;
    slack = { channel: 'slack', items: 1, oldestAgeS: 9 };
    const second = await m.registry.metrics();
    expect(second).toMatch(/^finding_relay_messages_in_hand 0$/m);
    expect(second).toMatch(/^finding_relay_state_store_available 1$/m);
    expect(second).toMatch(/^finding_relay_outbox_items\{channel="slack"\} 1$/m);
    expect(second).toMatch(/^finding_relay_outbox_oldest_age_seconds\{channel="slack"\} 9$/m);
    expect(reads).toBe(2);
  });

  it('without probes: nothing in hand, the store available, no outbox series', async () => {
    const text = await new RelayMetrics().registry.metrics();
    expect(text).toMatch(/^finding_relay_messages_in_hand 0$/m);
    expect(text).toMatch(/^finding_relay_state_store_available 1$/m);
    expect(text).not.toMatch(/^finding_relay_outbox_(items|oldest_age_seconds)\{/m);
  });

  it('reports no outbox series when the outbox cannot be read', async () => {
    const m = new RelayMetrics({ probes: { outbox: async () => Promise.reject(new Error('store down')) } });
    const text = await m.registry.metrics();
    expect(text).toMatch(/^# TYPE finding_relay_outbox_items gauge$/m);
    expect(text).not.toMatch(/^finding_relay_outbox_items\{/m);
  });
});
