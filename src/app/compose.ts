import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { createSlackSink } from '../channels/slack/slack-sink.js';
import type { ChannelName, ChannelSink } from '../channels/types.js';
import type { Config, ConfigResult, DeploymentEnv } from '../config/types.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { createLogger } from '../observability/logger.js';
import { RelayMetrics } from '../observability/metrics.js';
import { RecentOutcomes } from '../observability/recent-outcomes.js';
import { createRedactor } from '../observability/redact.js';
import { observeClaims, StoreHealth } from '../observability/store-health.js';
import type { Settlement } from '../pipeline/settle.js';
import type { Envelope } from '../pipeline/types.js';
import { resolveModes } from '../policy/decide-channels.js';
import { resolveStorage } from '../policy/safety-matrix.js';
import { createPubSubClient } from '../pubsub/client.js';
import type { StateStore } from '../state/store.js';
import { createGitHubChannel } from './github-channel.js';
import { openConfiguredStore, openSideEffectState } from './state.js';
import { startStatusServer } from './status-server.js';
import { type RunningRelay, startRelay } from './worker.js';

export interface ComposeOptions {
  env: Readonly<Record<string, string | undefined>>;
  log?: Logger;
  clock?: Clock;
  /** Identifies this worker in claims and ledger object names. */
  holder?: string;
  /** Overrides PORT (tests use 0). */
  port?: number;
  /** Interface the HTTP server binds: 127.0.0.1 unless HTTP_HOST says otherwise (containers: 0.0.0.0). */
  httpHost?: string;
  maxMessages?: number;
  drainTimeoutMs?: number;
  onSettled?: (envelope: Envelope, settlement: Settlement) => void;
}

export interface ComposedWorker {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: RelayMetrics;
  readonly outcomes: RecentOutcomes;
  readonly relay: RunningRelay;
  readonly store: StateStore | undefined;
  readonly httpPort: number;
  readonly failed: Promise<never>;
  /** Drains the relay, then closes HTTP and clients, in reverse order of start. */
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

/** Wiring: config → clients → state → channels → pipeline → subscriber → HTTP. */
export async function composeWorker(result: ConfigResult, opts: ComposeOptions): Promise<ComposedWorker> {
  const { config } = result;
  const clock = opts.clock ?? systemClock;
  const redact = createRedactor([config.slack.webhookUrl, config.github.token]);
  const log =
    opts.log ??
    createLogger({
      level: config.logLevel,
      secrets: [config.slack.webhookUrl, config.github.token],
      pretty: config.logPretty,
    });
  for (const warning of result.warnings) log.warn(warning);
  const holder = opts.holder ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const env: DeploymentEnv = config.deploymentEnv;
  const modes = resolveModes(config);
  const storage = resolveStorage(config, env);
  const needsStore = modes.slack.mode === 'ENABLED' || modes.github.mode !== 'DISABLED';
  if (needsStore && !config.storage.uri) {
    throw new StartupError(`${storage.reason}. Set STORAGE_URI (gs://bucket/prefix or file:///path).`);
  }
  if (storage.status === 'MISCONFIGURED') log.warn(storage.reason);
  log.info(
    {
      environment: env,
      slack: { mode: modes.slack.mode, reason: modes.slack.reason },
      github: { mode: modes.github.mode, reason: modes.github.reason },
      storage: storage.uri,
      holder,
    },
    'finding-relay starting',
  );

  const store = config.storage.uri ? openConfiguredStore(config.storage.uri, opts.env) : undefined;
  const sideEffects = openSideEffectState(store, {
    env,
    holder,
    clock,
    windowS: config.dedupeWindowS,
    leaseMs: config.storage.claimLeaseMs,
    onRenewalProblem: (p) =>
      log.warn(
        { claim: p.key, err: p.error },
        p.lost ? 'claim lease lost while its side effect was in flight' : 'could not renew a claim lease',
      ),
  });
  sideEffects.leases?.start();
  // Claims report to storeHealth, so /readyz can say when the store is known to be down.
  const storeHealth = store ? new StoreHealth() : undefined;
  const claims = storeHealth ? observeClaims(sideEffects.claims, storeHealth) : sideEffects.claims;
  const { fingerprintWindow } = sideEffects;
  const metrics = new RelayMetrics({ processMetrics: true });
  const outcomes = new RecentOutcomes();
  const sinks = new Map<ChannelName, ChannelSink>();
  if (modes.slack.mode === 'ENABLED' && config.slack.webhookUrl) {
    sinks.set(
      'slack',
      createSlackSink({
        webhookUrl: config.slack.webhookUrl,
        label: modes.slack.label,
        windowMs: config.slack.batchWindowMs,
        max: config.slack.batchMax,
        clock,
        onMessage: (info) => {
          metrics.slackMessages.inc({ status: info.status });
          if (info.attempt === 1) metrics.slackDigestSize.observe(info.findings);
          log.info({ channel: 'slack', ...info }, 'slack message');
        },
      }),
    );
  }
  if (modes.github.mode !== 'DISABLED' && store) {
    sinks.set('github', createGitHubChannel({ config, modes, store, holder, clock, log, metrics }));
  }

  const pubsub = createPubSubClient({
    projectId: config.pubsub.projectId,
    emulatorHost: config.pubsub.emulatorHost,
  });
  const relay = startRelay({
    config,
    log,
    clock,
    pubsub,
    claims,
    fingerprintWindow,
    sinks,
    metrics,
    outcomes,
    redact,
    ...(opts.maxMessages === undefined ? {} : { maxMessages: opts.maxMessages }),
    ...(opts.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: opts.drainTimeoutMs }),
    ...(opts.onSettled ? { onSettled: opts.onSettled } : {}),
  });
  const http = await startStatusServer({
    result,
    env: opts.env,
    relay,
    metrics,
    outcomes,
    ...(storeHealth ? { storeHealth } : {}),
    port: opts.port ?? config.port,
    host: opts.httpHost ?? config.httpHost,
  });
  log.info({ port: http.port }, 'HTTP listening (/healthz /readyz /metrics /api/outcomes/{id})');

  let stopping: Promise<void> | undefined;
  return {
    config,
    log,
    metrics,
    outcomes,
    relay,
    store,
    httpPort: http.port,
    failed: relay.failed,
    stop() {
      stopping ??= (async () => {
        await relay.stop();
        sideEffects.leases?.stop();
        await http.close();
        await pubsub.close();
      })();
      return stopping;
    },
  };
}
