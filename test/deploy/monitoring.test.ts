import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { RelayMetrics } from '../../src/observability/metrics.js';
import {
  type Body,
  block,
  hcl,
  loadTerraform,
  TERRAFORM_DIR,
  type TerraformModule,
} from './terraform-files.js';

// The metrics as the code declares them: a renamed metric or label fails here.
const metrics = new RelayMetrics();
type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;
const declared = new Map<string, { type: string; labels: readonly string[] }>();
for (const metric of metrics.registry.getMetricsAsArray() as unknown as Array<{
  name: string;
  type: string;
  labelNames?: readonly string[];
}>) {
  declared.set(metric.name, { type: String(metric.type), labels: metric.labelNames ?? [] });
}
const nameOf = (metric: AnyMetric) => (metric as unknown as { name: string }).name;

/** The series names PromQL can use for a declared metric (a histogram's _bucket, _sum, _count). */
function seriesNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, { type }] of declared) {
    names.set(name, name);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.set(name + suffix, name);
  }
  return names;
}

/** Every `finding_relay_*` series a PromQL query names, and the labels of its `by (…)` clauses. */
function promqlParts(query: string) {
  return {
    series: [...query.matchAll(/\b(finding_relay_[a-z0-9_]+)/g)].map((m) => m[1]!),
    byLabels: [...query.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())),
    selectorLabels: [...query.matchAll(/finding_relay_[a-z0-9_]+\{([^}]*)\}/g)].flatMap((m) =>
      [...m[1]!.matchAll(/([a-z_]+)\s*=/g)].map((l) => l[1]!),
    ),
  };
}

/** Labels the Managed Service for Prometheus sidecar adds to every series (not the relay's own). */
const SIDECAR_LABELS = ['namespace', 'job', 'instance', 'cluster', 'location', 'project_id'];

/** Checks a relay PromQL query against the code's metrics; returns the base metric names used. */
function checkQuery(query: string): string[] {
  const known = seriesNames();
  const { series, byLabels, selectorLabels } = promqlParts(query);
  expect(series.length, query).toBeGreaterThan(0);
  const unknown = series.filter((s) => !known.has(s));
  expect(unknown, `${query} names metrics the relay does not export`).toEqual([]);
  const bases = series.map((s) => known.get(s)!);
  const labels = new Set(bases.flatMap((b) => declared.get(b)!.labels));
  if (series.some((s) => s.endsWith('_bucket'))) labels.add('le');
  for (const label of [...byLabels, ...selectorLabels]) {
    expect(labels.has(label) || SIDECAR_LABELS.includes(label), `${query}: label ${label}`).toBe(true);
  }
  return bases;
}

let tf: TerraformModule;
let policies: Record<string, Body>;

beforeAll(async () => {
  tf = await loadTerraform();
  policies = tf.resources.google_monitoring_alert_policy ?? {};
});

const condition = (policy: string) => block(policies[policy]!, 'conditions');
const documentation = (policy: string) => String(block(policies[policy]!, 'documentation').content);

describe('monitoring: alert policies', () => {
  it('the three that page: dead letters waiting, findings not acked, outbox not draining', () => {
    expect(Object.keys(policies)).toEqual(
      expect.arrayContaining(['dead_letter_backlog', 'findings_oldest_unacked', 'outbox_oldest_age']),
    );
  });

  it('dead letters: undelivered messages of the inspect subscription above the threshold (0)', () => {
    const threshold = block(condition('dead_letter_backlog'), 'condition_threshold');
    const filter = String(threshold.filter);
    expect(filter).toContain('metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"');
    expect(filter).toContain('resource.type = "pubsub_subscription"');
    expect(filter).toContain(
      `resource.labels.subscription_id = "${hcl('google_pubsub_subscription.dead_letter_inspect.name')}"`,
    );
    expect(threshold).toMatchObject({
      comparison: 'COMPARISON_GT',
      threshold_value: hcl('var.dead_letter_backlog_threshold'),
      duration: hcl('var.dead_letter_backlog_duration'),
    });
    expect(tf.variables.dead_letter_backlog_threshold!.default).toBe(0);
    expect(String(tf.variables.dead_letter_backlog_duration!.default)).toMatch(/^\d+s$/);
  });

  it("findings: the worker subscription's oldest unacked message age above a threshold variable", () => {
    const threshold = block(condition('findings_oldest_unacked'), 'condition_threshold');
    const filter = String(threshold.filter);
    expect(filter).toContain('metric.type = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"');
    expect(filter).toContain(
      `resource.labels.subscription_id = "${hcl('google_pubsub_subscription.worker.name')}"`,
    );
    expect(threshold).toMatchObject({
      comparison: 'COMPARISON_GT',
      threshold_value: hcl('var.findings_oldest_unacked_threshold_s'),
    });
    const seconds = Number(tf.variables.findings_oldest_unacked_threshold_s!.default);
    // Above the worker's own bounded waits (60 s for the state store), below Pub/Sub's retention.
    expect(seconds).toBeGreaterThan(60);
    expect(seconds).toBeLessThan(24 * 3600);
  });

  it('outbox: PromQL on the gauge the relay exports, per channel, above a threshold variable', () => {
    const promql = block(condition('outbox_oldest_age'), 'condition_prometheus_query_language');
    const query = String(promql.query);
    expect(checkQuery(query)).toEqual([nameOf(metrics.outboxOldestAge)]);
    expect(query).toContain('by (channel)');
    expect(query).toContain(`> ${hcl('var.outbox_oldest_age_threshold_s')}`);
    expect(query).toContain(hcl('local.relay_series'));
    expect(tf.locals.relay_series).toBe(`namespace="${hcl('var.service_name')}"`);
    expect(promql.duration).toBe(hcl('var.outbox_oldest_age_duration'));
    expect(Number(tf.variables.outbox_oldest_age_threshold_s!.default)).toBeGreaterThan(0);
  });

  it('a fourth warns when the relay metrics stop arriving (the outbox alert would be blind)', () => {
    const query = String(
      block(condition('relay_metrics_absent'), 'condition_prometheus_query_language').query,
    );
    expect(query).toMatch(/^absent_over_time\(/);
    expect(checkQuery(query)).toEqual([nameOf(metrics.info)]);
  });

  it('every policy notifies var.notification_channels, a list of ids that defaults to none', () => {
    expect(tf.variables.notification_channels).toMatchObject({ type: hcl('list(string)'), default: [] });
    for (const [name, policy] of Object.entries(policies)) {
      expect(policy.notification_channels, name).toBe(hcl('var.notification_channels'));
      expect(policy.combiner, name).toBe('OR');
    }
    // Channels are created outside this module (their labels hold addresses or keys).
    expect(tf.resources.google_monitoring_notification_channel).toBeUndefined();
  });

  it('tells the on-call what to do: runbook sections that exist, and `finding-relay dlq stats`', () => {
    const runbook = readFileSync(join(TERRAFORM_DIR, '../../docs/runbook.md'), 'utf8');
    const headings = [...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim());
    expect(String(tf.locals.monitoring_docs)).toContain('docs/runbook.md');
    for (const name of Object.keys(policies)) {
      const text = documentation(name);
      expect(block(policies[name]!, 'documentation').mime_type, name).toBe('text/markdown');
      expect(text, name).toContain(hcl('local.monitoring_docs'));
      // Every quoted section name is a heading of the runbook (or a part of one).
      const sections = [...text.matchAll(/"([^"]+)" (?:in \$\{local\.monitoring_docs\}|there)/g)];
      expect(sections.length, name).toBeGreaterThan(0);
      for (const [, section] of sections) {
        expect(
          headings.some((h) => h.includes(section!)),
          `${name}: runbook section "${section}"`,
        ).toBe(true);
      }
      expect(text, name).toContain('"Alerts"');
    }
    expect(headings).toContain('Alerts');
    expect(documentation('dead_letter_backlog')).toContain('npx finding-relay dlq stats');
    expect(documentation('dead_letter_backlog')).toContain('docs/dead-letter-triage.md');
  });

  it('the Monitoring API is enabled for them', () => {
    expect(tf.resources.google_project_service!.monitoring!.service).toBe('monitoring.googleapis.com');
    for (const [name, policy] of Object.entries(policies))
      expect(policy.depends_on, name).toContain(hcl('google_project_service.monitoring'));
  });
});

const TEMPLATE = 'monitoring/dashboard.json.tftpl';
const TEMPLATE_VARS = ['environment', 'service_name', 'findings_subscription', 'dead_letter_subscription'];

/** templatefile() as Terraform renders this template: ${name} from vars, $${ as a literal ${. */
function renderTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped: string, name: string) => {
    if (escaped) return whole.slice(1);
    if (!(name in vars)) throw new Error(`template names \${${name}}, which templatefile() is not given`);
    return vars[name]!;
  });
}

describe('monitoring: the dashboard', () => {
  const raw = readFileSync(join(TERRAFORM_DIR, TEMPLATE), 'utf8');
  const vars = Object.fromEntries(TEMPLATE_VARS.map((v) => [v, `sample-${v}`]));
  const dashboard = JSON.parse(renderTemplate(raw, vars)) as {
    displayName: string;
    mosaicLayout: { columns: number; tiles: Array<{ widget: { title: string; xyChart?: unknown } }> };
  };
  const dataSets = dashboard.mosaicLayout.tiles.flatMap(
    (t) =>
      ((t.widget.xyChart as { dataSets?: unknown[] } | undefined)?.dataSets ?? []) as Array<{
        timeSeriesQuery: { prometheusQuery?: string; timeSeriesFilter?: { filter: string } };
      }>,
  );
  const queries = dataSets.flatMap((d) => d.timeSeriesQuery.prometheusQuery ?? []);
  const filters = dataSets.flatMap((d) => d.timeSeriesQuery.timeSeriesFilter?.filter ?? []);

  it('is rendered by templatefile() with exactly the variables the template uses', () => {
    const resource = tf.resources.google_monitoring_dashboard!.relay!;
    const call = String(resource.dashboard_json);
    expect(call).toContain(`templatefile("${hcl('path.module')}/${TEMPLATE}"`);
    const given = [...call.matchAll(/^\s*([a-z_]+)\s*=/gm)].map((m) => m[1]!);
    expect(given.sort()).toEqual([...TEMPLATE_VARS].sort());
    const used = new Set([...raw.matchAll(/(?<!\$)\$\{([a-z_]+)\}/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual([...TEMPLATE_VARS].sort());
    expect(dashboard.displayName).toBe('finding-relay sample-environment');
  });

  it("shows the relay's metrics that really exist, with labels they really have", () => {
    expect(queries.length).toBeGreaterThanOrEqual(10);
    const used = new Set(queries.flatMap((q) => checkQuery(q)));
    for (const metric of [
      metrics.outcomes,
      metrics.outboxItems,
      metrics.outboxOldestAge,
      metrics.deadLettered,
      metrics.slackMessages,
      metrics.githubCalls,
      metrics.settlements,
      metrics.latency,
    ] as AnyMetric[]) {
      expect(used, nameOf(metric)).toContain(nameOf(metric));
    }
    for (const query of queries) expect(query, query).toContain('namespace="sample-service_name"');
  });

  it('breaks them down as asked: outcomes by result, outbox per channel, dead letters by reason', () => {
    const by = (metric: AnyMetric) =>
      queries.filter((q) => q.includes(nameOf(metric))).flatMap((q) => promqlParts(q).byLabels);
    expect(by(metrics.outcomes)).toEqual(expect.arrayContaining(['channel', 'outcome']));
    expect(by(metrics.outboxItems)).toContain('channel');
    expect(by(metrics.outboxOldestAge)).toContain('channel');
    expect(by(metrics.deadLettered)).toContain('reason');
    expect(by(metrics.slackMessages)).toContain('result');
    expect(by(metrics.githubCalls)).toEqual(expect.arrayContaining(['operation', 'code']));
  });

  it("shows both subscriptions' backlog from Pub/Sub's own metrics", () => {
    const on = (sub: string) => filters.filter((f) => f.includes(`"subscription_id"="sample-${sub}"`));
    expect(on('findings_subscription').join('\n')).toContain('subscription/num_undelivered_messages');
    expect(on('findings_subscription').join('\n')).toContain('subscription/oldest_unacked_message_age');
    expect(on('dead_letter_subscription').join('\n')).toContain('subscription/num_undelivered_messages');
  });

  it('lays its tiles inside the grid', () => {
    const { columns, tiles } = dashboard.mosaicLayout as unknown as {
      columns: number;
      tiles: Array<{ xPos?: number; width: number; height: number }>;
    };
    for (const tile of tiles) expect((tile.xPos ?? 0) + tile.width).toBeLessThanOrEqual(columns);
  });
});

/**
 * What the Managed Service for Prometheus sidecar scrapes when no RunMonitoring file is mounted at
 * /etc/rungmp/config.yaml: its built-in default (DefaultRunMonitoringConfig of
 * GoogleCloudPlatform/run-gmp-sidecar), 0.0.0.0:8080/metrics, labelled namespace = the service.
 */
const SIDECAR_DEFAULT_SCRAPE = { port: 8080, path: '/metrics', configDir: '/etc/rungmp' } as const;

describe("monitoring: the relay's metrics reach Cloud Monitoring (the collector sidecar)", () => {
  const containers = () =>
    block(tf.resources.google_cloud_run_v2_service!.worker!, 'template').containers as Body[];
  const worker = () => containers().find((c) => c.name === 'worker')!;
  const collector = () => containers().find((c) => c.name === 'collector')!;

  it('the service runs the sidecar image beside the worker, after it', () => {
    expect(collector()).toMatchObject({
      image: hcl('var.managed_prometheus_sidecar_image'),
      depends_on: ['worker'],
    });
    const image = String(tf.variables.managed_prometheus_sidecar_image!.default);
    expect(image).toMatch(/cloud-run-gmp-sidecar:\d+\.\d+\.\d+$|@sha256:[0-9a-f]{64}$/);
  });

  it("the sidecar's default scrape finds the worker: port 8080 on every interface, path /metrics, no config file", () => {
    expect(block(worker(), 'ports').container_port).toBe(SIDECAR_DEFAULT_SCRAPE.port);
    // Cloud Run sets PORT to the container port; the worker listens on all interfaces.
    const env = tf.locals.worker_env as Record<string, unknown>;
    expect(env).not.toHaveProperty('PORT');
    expect(env.HTTP_HOST).toBe('0.0.0.0');
    // …and serves the registry on the default path (src/observability/http-server.test.ts GETs it).
    const server = readFileSync(join(TERRAFORM_DIR, '../../src/observability/http-server.ts'), 'utf8');
    expect(server).toContain(`url.pathname === '${SIDECAR_DEFAULT_SCRAPE.path}'`);
    // No RunMonitoring file (SIDECAR_DEFAULT_SCRAPE.configDir) is mounted into the collector, so
    // its default applies: it mounts nothing at all.
    expect(collector()).not.toHaveProperty('volume_mounts');
    expect(collector()).not.toHaveProperty('dynamic');
    // The alerts select the series by the namespace the sidecar gives them: the service's name.
    expect(tf.resources.google_cloud_run_v2_service!.worker!.name).toBe(hcl('var.service_name'));
    expect(tf.locals.relay_series).toBe(`namespace="${hcl('var.service_name')}"`);
  });

  it('the worker (as whom the sidecar writes) may write metrics, and the revision waits for that grant', () => {
    expect(tf.resources.google_project_iam_member!.worker_metric_writer).toEqual({
      project: hcl('var.project_id'),
      role: 'roles/monitoring.metricWriter',
      member: hcl('local.worker_member'),
    });
    expect(tf.resources.google_cloud_run_v2_service!.worker!.depends_on).toContain(
      hcl('google_project_iam_member.worker_metric_writer'),
    );
  });
});

describe('monitoring: no secret anywhere', () => {
  it('no secret, webhook or token in the monitoring files', () => {
    const texts = [
      readFileSync(join(TERRAFORM_DIR, 'monitoring.tf'), 'utf8'),
      readFileSync(join(TERRAFORM_DIR, TEMPLATE), 'utf8'),
    ];
    for (const text of texts) {
      expect(text).not.toMatch(/secret_manager|secret_key_ref|hooks\.slack\.com|gh[pousr]_[A-Za-z0-9]{8,}/);
      expect(text).not.toMatch(/var\.[a-z_]*(token|webhook|secret)/);
    }
    const monitoringVariables = Object.keys(tf.variables).filter((name) =>
      readFileSync(join(TERRAFORM_DIR, 'monitoring.tf'), 'utf8').includes(`variable "${name}"`),
    );
    expect(monitoringVariables.filter((name) => /token|webhook|secret|password|key/.test(name))).toEqual([]);
  });
});
