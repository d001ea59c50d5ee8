import { packageVersion } from '../cli/version.js';
import { loadConfig } from '../config/load.js';
import { type ConfigResult, DEPLOYMENT_ENVS, type DeploymentEnv } from '../config/types.js';
import { type RunningHttpServer, startHttpServer } from '../observability/http-server.js';
import type { OutboxGaugeValues, RelayMetrics } from '../observability/metrics.js';
import { notReadyReason } from '../observability/readiness-verdict.js';
import type { RecentOutcomes } from '../observability/recent-outcomes.js';
import { deadLetteredByReason, statusCounters } from '../observability/status-counters.js';
import { githubWebRoot, renderStatusPage } from '../observability/status-page.js';
import type { StoreHealth } from '../observability/store-health.js';
import { buildReadinessReport } from '../policy/readiness.js';
import type { RelayState } from '../state/relay-state.js';
import { isActive, type Silence } from '../state/silences.js';
import { lookupOutcome } from './outcome-lookup.js';
import type { RunningRelay } from './worker.js';

export interface StatusServerDeps {
  result: ConfigResult;
  env: Readonly<Record<string, string | undefined>>;
  relay: RunningRelay;
  metrics: RelayMetrics;
  outcomes: RecentOutcomes;
  /** Transactions on the state store; absent when there is no store. */
  storeHealth?: StoreHealth;
  /** The shared state: outcomes of findings another worker's dispatcher finished. */
  state?: RelayState | undefined;
  /** This environment's silences not yet ended (the SilenceCache); the page lists the active ones. */
  silences?: () => readonly Silence[];
  /** null while the outbox has room (backpressure otherwise). */
  outboxFull?: () => string | null;
  /** The outbox per channel, as the metrics read it; absent when there is no store. */
  outbox?: () => Promise<readonly OutboxGaugeValues[]>;
  port: number;
  host: string;
}

/** Where the dry-run ledger lands (docs/contract.md §5: `ledger/ENV/` under STORAGE_URI). */
export function ledgerLocation(uri: string | undefined, env: DeploymentEnv): string | undefined {
  return uri ? `${uri.replace(/\/+$/, '')}/ledger/${env}/` : undefined;
}

/** The worker's HTTP face: health, readiness, metrics, the outcomes API and the status page. */
export async function startStatusServer(deps: StatusServerDeps): Promise<RunningHttpServer> {
  const { metrics, relay, result } = deps;
  const perEnvironment = Object.fromEntries(
    DEPLOYMENT_ENVS.map((e) => [e, loadConfig({ ...deps.env, DEPLOYMENT_ENV: e }, { cwd: process.cwd() })]),
  ) as Record<DeploymentEnv, ConfigResult>;
  const report = buildReadinessReport(result, perEnvironment);
  const startedAt = new Date();
  const githubRoot = githubWebRoot(result.config.github.apiUrl);
  metrics.info.set(
    {
      version: packageVersion(),
      environment: report.environment,
      slack_mode: report.slack.mode,
      github_mode: report.github.mode,
    },
    1,
  );
  let subscriptionError: string | undefined;
  relay.failed.catch((error: unknown) => {
    subscriptionError = error instanceof Error ? error.message : String(error);
  });
  const notReady = () =>
    notReadyReason({
      state: relay.state(),
      subscriptionError,
      configIssues: result.issues.map((i) => i.message),
      storeUnavailable: deps.storeHealth?.unavailableReason() ?? null,
      outboxFull: deps.outboxFull?.() ?? null,
    });

  return startHttpServer(deps.port, deps.host, {
    metrics,
    outcomes: deps.outcomes,
    lookupOutcome: (id) => lookupOutcome(id, deps.outcomes, deps.state),
    notReadyReason: notReady,
    renderStatusPage: async () =>
      renderStatusPage({
        report,
        startedAt,
        state: relay.state(),
        notReady: notReady(),
        counters: await statusCounters(metrics),
        deadLettered: await deadLetteredByReason(metrics),
        outcomes: deps.outcomes.latest(50),
        ledgerLocation: ledgerLocation(report.storage.uri, report.environment),
        outbox: deps.outbox ? await deps.outbox().catch(() => undefined) : undefined,
        perMinute: metrics.perMinute.series(Date.now()),
        githubWebRoot: githubRoot,
        silences: deps.silences ? silenceRows(deps.silences(), Date.now()) : undefined,
      }),
  });
}

function silenceRows(silences: readonly Silence[], now: number) {
  return silences.filter((s) => isActive(s, now)).map((s) => ({ ...s, leftMs: Date.parse(s.endsAt) - now }));
}
