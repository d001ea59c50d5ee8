import { loadConfig } from '../config/load.js';
import { type ConfigResult, DEPLOYMENT_ENVS, type DeploymentEnv } from '../config/types.js';
import { type RunningHttpServer, startHttpServer } from '../observability/http-server.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { RecentOutcomes } from '../observability/recent-outcomes.js';
import { renderStatusPage } from '../observability/status-page.js';
import { buildReadinessReport } from '../policy/readiness.js';
import type { RunningRelay } from './worker.js';

export interface StatusServerDeps {
  result: ConfigResult;
  env: Readonly<Record<string, string | undefined>>;
  relay: RunningRelay;
  metrics: RelayMetrics;
  outcomes: RecentOutcomes;
  port: number;
  host: string;
}

async function counterTotals(metrics: RelayMetrics): Promise<Record<string, number>> {
  const sum = async (
    metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> },
    filter?: (l: Record<string, unknown>) => boolean,
  ) =>
    (await metric.get()).values.filter((v) => !filter || filter(v.labels)).reduce((a, v) => a + v.value, 0);
  return {
    received: await sum(metrics.received),
    invalid: await sum(metrics.invalid),
    acked: await sum(metrics.settlements, (l) => l.kind === 'ack'),
    nacked: await sum(metrics.settlements, (l) => l.kind === 'nack'),
    'dead-lettered': await sum(metrics.settlements, (l) => l.kind === 'dead-letter'),
    'slack sent': await sum(metrics.outcomes, (l) => l.channel === 'slack' && l.outcome === 'sent'),
    'github sent': await sum(metrics.outcomes, (l) => l.channel === 'github' && l.outcome === 'sent'),
    'github dry-run': await sum(metrics.outcomes, (l) => l.channel === 'github' && l.outcome === 'dry-run'),
    dropped: await sum(metrics.outcomes, (l) => l.outcome === 'dropped'),
  };
}

/** The worker's HTTP face: health, readiness, metrics, the outcomes API and the status page. */
export async function startStatusServer(deps: StatusServerDeps): Promise<RunningHttpServer> {
  const perEnvironment = Object.fromEntries(
    DEPLOYMENT_ENVS.map((e) => [e, loadConfig({ ...deps.env, DEPLOYMENT_ENV: e }, { cwd: process.cwd() })]),
  ) as Record<DeploymentEnv, ConfigResult>;
  const report = buildReadinessReport(deps.result, perEnvironment);
  const startedAt = new Date();
  return startHttpServer(deps.port, deps.host, {
    metrics: deps.metrics,
    outcomes: deps.outcomes,
    notReadyReason: () => {
      const state = deps.relay.state();
      return state === 'running' ? null : state;
    },
    renderStatusPage: async () =>
      renderStatusPage({
        report,
        startedAt,
        counters: await counterTotals(deps.metrics),
        outcomes: deps.outcomes,
        ledgerLocation: report.storage.uri,
        state: deps.relay.state(),
      }),
  });
}
