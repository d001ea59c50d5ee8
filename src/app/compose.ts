import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { packageVersion } from '../cli/version.js';
import { configSecrets } from '../config/secrets.js';
import type { Config, ConfigResult, DeploymentEnv } from '../config/types.js';
import type { RunningDispatcher } from '../dispatch/dispatcher.js';
import { type Clock, systemClock } from '../lib/clock.js';
import { createLogger } from '../observability/logger.js';
import { type OutboxGaugeValues, RelayMetrics } from '../observability/metrics.js';
import { RecentOutcomes } from '../observability/recent-outcomes.js';
import { createRedactor } from '../observability/redact.js';
import { observeState, StoreHealth } from '../observability/store-health.js';
import type { Settlement } from '../pipeline/settle.js';
import type { Envelope } from '../pipeline/types.js';
import { resolveModes } from '../policy/decide-channels.js';
import { resolveState, resolveStorage } from '../policy/safety-matrix.js';
import { createPubSubClient } from '../pubsub/client.js';
import { publishDeadLetter } from '../pubsub/dead-letter.js';
import { openRelayState } from '../state/open-relay-state.js';
import type { Completion, OutboxEntry, RelayState } from '../state/relay-state.js';
import { recordCompletion } from './completion-report.js';
import { startChannelDispatchers } from './dispatchers.js';
import { doneRetentionMs, startHousekeeping } from './housekeeping.js';
import { outboxGate } from './outbox-gate.js';
import { SilenceCache } from './silence-cache.js';
import { startStatusServer } from './status-server.js';
import { type RunningRelay, startRelay } from './worker.js';

export interface ComposeOptions {
  env: Readonly<Record<string, string | undefined>>;
  log?: Logger;
  clock?: Clock;
  /** Identifies this worker in dispatcher leases and ledger object names. */
  holder?: string;
  /** Overrides PORT (tests use 0). */
  port?: number;
  /** Interface the HTTP server binds: 127.0.0.1 unless HTTP_HOST says otherwise (containers: 0.0.0.0). */
  httpHost?: string;
  maxMessages?: number;
  drainTimeoutMs?: number;
  onSettled?: (envelope: Envelope, settlement: Settlement) => void;
  /** Called once a dispatcher's completion is recorded (after logs and metrics): `npm run dev` prints from here. */
  onCompleted?: (entry: OutboxEntry, completion: Completion) => void;
}

export interface ComposedWorker {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: RelayMetrics;
  readonly outcomes: RecentOutcomes;
  readonly relay: RunningRelay;
  readonly state: RelayState | undefined;
  readonly dispatchers: readonly RunningDispatcher[];
  readonly httpPort: number;
  readonly failed: Promise<never>;
  /** Drains intake and dispatchers, then closes HTTP and clients, in reverse order of start. */
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

/** Wiring: config → clients → state → dispatchers → intake pipeline → subscriber → HTTP. */
export async function composeWorker(result: ConfigResult, opts: ComposeOptions): Promise<ComposedWorker> {
  const { config } = result;
  const clock = opts.clock ?? systemClock;
  const secrets = configSecrets(config);
  const redact = createRedactor(secrets);
  const log =
    opts.log ??
    createLogger({
      level: config.logLevel,
      secrets,
      pretty: config.logPretty,
      traceProject: config.pubsub.projectId,
      version: packageVersion(),
    });
  for (const warning of result.warnings) log.warn(warning);
  const holder = opts.holder ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const env: DeploymentEnv = config.deploymentEnv;
  const modes = resolveModes(config);
  const storage = resolveStorage(config, env);
  const stateResolution = resolveState(config, env);
  if (stateResolution.status === 'MISCONFIGURED') {
    throw new StartupError(`${stateResolution.reason}. Set STATE_URI (sqlite:///path/state.db).`);
  }
  if (storage.status === 'MISCONFIGURED' && !config.storage.uri) {
    throw new StartupError(`${storage.reason}. Set STORAGE_URI (gs://bucket/prefix or file:///path).`);
  }
  if (storage.status === 'MISCONFIGURED') log.warn(storage.reason);
  if (stateResolution.warning) log.warn(stateResolution.warning);
  for (const [name, webhook] of modes.routeWebhooks ?? [])
    if (webhook.status === 'MISCONFIGURED')
      log.warn(`routed webhook ${name}: ${webhook.reason}; its routes' Slack findings are dropped`);
  log.info(
    {
      environment: env,
      slack: { mode: modes.slack.mode, reason: modes.slack.reason },
      github: { mode: modes.github.mode, reason: modes.github.reason },
      ...(config.routes.file === undefined
        ? {}
        : {
            routes: {
              file: config.routes.file,
              names: config.routes.list.map((r) => r.name),
              webhooks: Object.fromEntries(
                [...(modes.routeWebhooks ?? [])].map(([name, r]) => [name, r.mode]),
              ),
            },
          }),
      storage: storage.uri,
      state: stateResolution.uri,
      holder,
    },
    'finding-relay starting',
  );

  const releasers: Array<() => Promise<void>> = [];
  const releaseAll = async () => {
    for (const release of releasers.splice(0).reverse()) await release().catch(() => undefined);
  };
  try {
    const opened =
      stateResolution.status === 'ENABLED' && config.state.uri
        ? await openRelayState(config.state.uri, {
            cwd: process.cwd(),
            env: opts.env,
            // Firestore's TTL deletes on its own: its documents carry the same retention.
            firestore: { doneRetentionMs: doneRetentionMs(config.dedupeWindowS) },
          })
        : undefined;
    if (opened) releasers.push(() => opened.close());
    // Every intake and dispatcher transaction tells /readyz whether the store answers.
    const storeHealth = opened ? new StoreHealth() : undefined;
    const state = opened && storeHealth ? observeState(opened, storeHealth) : undefined;
    const outbox = state ? outboxGauges(state, clock) : undefined;
    // The relay counts into the metrics, so it starts after them; the in-hand gauge reads it once
    // it runs (the HTTP server, the one place that scrapes, starts after the relay).
    const started: { relay?: RunningRelay } = {};
    const metrics = new RelayMetrics({
      processMetrics: true,
      probes: {
        inHand: () => started.relay?.inHand() ?? 0,
        ...(storeHealth ? { storeAvailable: () => storeHealth.available } : {}),
        ...(outbox ? { outbox } : {}),
      },
    });
    const outcomes = new RecentOutcomes();
    const pubsub = createPubSubClient({
      projectId: config.pubsub.projectId,
      emulatorHost: config.pubsub.emulatorHost,
      tracing: config.tracing,
    });
    releasers.push(() => pubsub.close());
    const deadLetterTopic = pubsub.topic(config.pubsub.deadLetterTopic);
    const deadLetter = async (
      message: Parameters<typeof publishDeadLetter>[1],
      reason: string,
      detail: string,
    ) => {
      await publishDeadLetter(deadLetterTopic, message, reason, detail);
      metrics.deadLettered.inc({ reason });
    };

    // This environment's silences, read from the state every 2 s (honoured within 5 s).
    const silenceCache = state ? new SilenceCache({ kv: state.kv, env, clock, log }) : undefined;
    if (silenceCache) {
      await silenceCache.start();
      releasers.push(() => silenceCache.stop());
    }
    const silences = () => silenceCache?.rules() ?? [];
    const { targets, dispatchers } = startChannelDispatchers({
      config,
      silences,
      modes,
      state,
      holder,
      clock,
      log,
      metrics,
      redact,
      deadLetter,
      onCompleted: (entry, completion) => {
        recordCompletion(entry, completion, { metrics, outcomes, log, clock, tracing: config.tracing });
        opts.onCompleted?.(entry, completion);
      },
    });
    const stopDispatchers = () => Promise.all(dispatchers.map((d) => d.stop())).then(() => undefined);
    releasers.push(stopDispatchers);
    if (state) {
      const housekeeping = startHousekeeping({
        state,
        clock,
        log,
        retentionMs: doneRetentionMs(config.dedupeWindowS),
        silencesEnv: env,
      });
      releasers.push(() => housekeeping.stop());
    }

    const gate = outboxGate({ state, maxItems: config.state.outboxMaxItems, clock, log, storeHealth });
    const relay = startRelay({
      config,
      log,
      clock,
      pubsub,
      modes,
      silences,
      state,
      enqueue: { targets, windowMs: config.dedupeWindowS * 1000, outboxFull: gate.wait },
      deadLetter,
      metrics,
      outcomes,
      redact,
      ...(opts.maxMessages === undefined ? {} : { maxMessages: opts.maxMessages }),
      ...(opts.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: opts.drainTimeoutMs }),
      ...(opts.onSettled ? { onSettled: opts.onSettled } : {}),
    });
    started.relay = relay;
    const http = await startStatusServer({
      result,
      env: opts.env,
      relay,
      metrics,
      outcomes,
      state,
      outboxFull: gate.fullReason,
      ...(outbox ? { outbox } : {}),
      ...(silenceCache ? { silences: () => silenceCache.silences() } : {}),
      ...(storeHealth ? { storeHealth } : {}),
      port: opts.port ?? config.port,
      host: opts.httpHost ?? config.httpHost,
    });
    releasers.push(() => http.close());
    // Intake and dispatchers drain side by side (both inside Cloud Run's 10 s grace), while
    // /readyz still answers "draining"; then HTTP and the clients close.
    // A request that hangs past the bound is left behind: its entry stays queued and the next
    // holder sends it (at most that one repeat, as after a crash).
    const drainBoundMs = opts.drainTimeoutMs ?? 8_000;
    const boundedDispatchers = async () => {
      const bound = new AbortController();
      const late = await Promise.race([
        stopDispatchers().then(() => false),
        clock.sleep(drainBoundMs, bound.signal).then(
          () => true,
          () => false,
        ),
      ]);
      bound.abort();
      if (late)
        log.warn(
          { boundMs: drainBoundMs },
          'a dispatcher request is still in flight at the drain bound; its entry stays queued',
        );
    };
    releasers.push(() => Promise.all([relay.stop(), boundedDispatchers()]).then(() => undefined));
    log.info({ port: http.port }, 'HTTP listening (/healthz /readyz /metrics /api/outcomes/{id})');

    let stopping: Promise<void> | undefined;
    return {
      config,
      log,
      metrics,
      outcomes,
      relay,
      state,
      dispatchers,
      httpPort: http.port,
      failed: relay.failed,
      stop() {
        stopping ??= releaseAll();
        return stopping;
      },
    };
  } catch (error) {
    // A failed start stops what already started, in reverse order.
    await releaseAll();
    throw error;
  }
}

/** The outbox per channel as its gauges and the status page show it: entries and the oldest's age. */
function outboxGauges(state: RelayState, clock: Clock): () => Promise<OutboxGaugeValues[]> {
  return async () =>
    (await state.outboxStats()).map((s) => ({
      channel: s.channel,
      items: s.items,
      oldestAgeS:
        s.oldestEnqueuedAt === undefined ? 0 : Math.max(0, (clock.now() - s.oldestEnqueuedAt) / 1000),
    }));
}
