import type { Logger } from 'pino';
import { createSlackSink } from '../channels/slack/slack-sink.js';
import { webhookWindows } from '../config/routes-file.js';
import type { Config } from '../config/types.js';
import { type DispatcherOptions, type RunningDispatcher, startDispatcher } from '../dispatch/dispatcher.js';
import { sinkCycle } from '../dispatch/sink-cycle.js';
import { type DispatchTargets, githubTarget, slackTarget } from '../dispatch/targets.js';
import type { Clock } from '../lib/clock.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { SilenceSource } from '../pipeline/route.js';
import type { DeadLetterPort } from '../pipeline/settle.js';
import type { ResolvedModes } from '../policy/decide-channels.js';
import type { RelayState } from '../state/relay-state.js';
import { createGitHubChannel } from './github-channel.js';
import { openConfiguredLedger } from './ledger-storage.js';

export interface ChannelDispatchersDeps {
  config: Config;
  modes: ResolvedModes;
  /** Absent when no channel is active: then no dispatcher runs and nothing can be queued. */
  state: RelayState | undefined;
  holder: string;
  clock: Clock;
  log: Logger;
  metrics: RelayMetrics;
  redact: (text: string) => string;
  deadLetter: DeadLetterPort;
  onCompleted: NonNullable<DispatcherOptions['onCompleted']>;
  /** The silences in force: a queued entry they cover is completed as dropped (silenced). */
  silences?: SilenceSource;
}

/**
 * One leased dispatcher per target the matrix opens: each Slack webhook (the default and each
 * routed one: one digest per window, its own pace) and the GitHub token or dry run (its sink paces
 * writes). `targets` tells intake where each channel's entries go; a channel without a target is
 * never queued.
 */
export function startChannelDispatchers(deps: ChannelDispatchersDeps): {
  targets: DispatchTargets;
  dispatchers: RunningDispatcher[];
} {
  const { config, modes, state, clock, log, metrics } = deps;
  const dispatchers: RunningDispatcher[] = [];
  const started = new Set<string>();
  if (!state) return { targets: {}, dispatchers };
  const dispatch = (
    target: string,
    parts: Pick<DispatcherOptions, 'handle' | 'intervalMs' | 'batchSize' | 'readyInMs'>,
  ) => {
    // Two webhook names with one URL are one webhook: one dispatcher, one pace.
    if (started.has(target)) return;
    started.add(target);
    dispatchers.push(
      startDispatcher({
        state,
        target,
        holder: deps.holder,
        leaseMs: config.state.leaseMs,
        clock,
        log,
        ...parts,
        onCompleted: deps.onCompleted,
      }),
    );
  };
  const cycle = (sink: Parameters<typeof sinkCycle>[0]['sink']) =>
    sinkCycle({
      sink,
      clock,
      deadLetter: deps.deadLetter,
      redact: deps.redact,
      ...(deps.silences ? { silences: deps.silences } : {}),
    });

  const slackDispatcher = (webhookUrl: string, webhook: string | undefined, windowMs: number): string => {
    const sink = createSlackSink({
      webhookUrl,
      label: modes.slack.label,
      // The dispatcher's cycle is the window: each cycle's due entries are one digest.
      windowMs: 0,
      max: config.slack.batchMax,
      clock,
      onMessage: (info) => {
        metrics.slackMessages.inc({ result: info.status });
        if (info.attempt === 1) metrics.slackDigestSize.observe(info.findings);
        log.info(
          { channel: 'slack', ...(webhook === undefined ? {} : { webhook }), ...info },
          'slack message',
        );
      },
    });
    const target = slackTarget(webhookUrl);
    dispatch(target, {
      handle: cycle(sink),
      readyInMs: () => sink.readyInMs?.() ?? 0,
      intervalMs: windowMs,
      batchSize: 10_000,
    });
    return target;
  };
  let slack: string | undefined;
  if (modes.slack.mode === 'ENABLED' && config.slack.webhookUrl)
    slack = slackDispatcher(config.slack.webhookUrl, undefined, config.slack.batchWindowMs);
  const slackWebhooks: Record<string, string> = {};
  const windows = webhookWindows(config.routes.list);
  for (const [name, url] of Object.entries(config.slack.routeWebhooks)) {
    if (!url || modes.routeWebhooks?.get(name)?.mode !== 'ENABLED') continue;
    slackWebhooks[name] = slackDispatcher(url, name, windows.get(name) ?? config.slack.batchWindowMs);
  }
  let github: string | undefined;
  if (modes.github.mode !== 'DISABLED') {
    const ledger = config.storage.uri
      ? openConfiguredLedger(config.storage.uri, {
          projectId: config.pubsub.projectId,
          emulatorHost: config.storage.emulatorHost,
        })
      : undefined;
    const sink = createGitHubChannel({
      config,
      modes,
      kv: state.kv,
      ledger,
      holder: deps.holder,
      clock,
      log,
      metrics,
    });
    github = githubTarget(modes.github.mode === 'REAL' ? 'REAL' : 'DRY_RUN', config.github.token);
    // GitHub's pace is its client's (GITHUB_WRITE_INTERVAL_MS); the interval only polls the outbox.
    // A dry-run cycle costs a few state calls whatever its size (one plan, one index write), so
    // it takes more per cycle; REAL writes go out one per second anyway.
    dispatch(github, {
      handle: cycle(sink),
      intervalMs: 200,
      batchSize: modes.github.mode === 'REAL' ? 200 : 1_000,
    });
  }
  return {
    targets: {
      ...(slack === undefined ? {} : { slack }),
      ...(github === undefined ? {} : { github }),
      ...(Object.keys(slackWebhooks).length === 0 ? {} : { slackWebhooks }),
    },
    dispatchers,
  };
}
