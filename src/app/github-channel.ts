import type { Logger } from 'pino';
import { createGitHubClient } from '../channels/github/client.js';
import { createGitHubSink } from '../channels/github/github-sink.js';
import type { LedgerStorage } from '../channels/ledger/ledger-storage.js';
import { createLedgerWriter } from '../channels/ledger/ledger-writer.js';
import type { ChannelSink } from '../channels/types.js';
import type { Config } from '../config/types.js';
import type { Clock } from '../lib/clock.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { ResolvedModes } from '../policy/decide-channels.js';
import { scopeStore } from '../state/scoped-store.js';
import type { StateStore } from '../state/store.js';
import { StoreUnavailableError } from '../state/store.js';

export interface GitHubChannelDeps {
  config: Config;
  modes: ResolvedModes;
  /** The state's key/value part: the issue index lives there. */
  kv: StateStore;
  /** STORAGE_URI's ledger; needed in DRY_RUN (without it, dry-run writes fail as transient). */
  ledger: LedgerStorage | undefined;
  holder: string;
  clock: Clock;
  log: Logger;
  metrics: RelayMetrics;
}

/** The GitHub sink: a real client only in REAL mode (the token is never handed out otherwise). */
export function createGitHubChannel(deps: GitHubChannelDeps): ChannelSink {
  const { config, modes, clock, log, metrics } = deps;
  const env = config.deploymentEnv;
  const client =
    modes.github.mode === 'REAL' && config.github.token
      ? createGitHubClient({
          baseUrl: config.github.apiUrl,
          token: config.github.token,
          clock,
          writeIntervalMs: config.github.writeIntervalMs,
          log: (level, message) => log[level]({ channel: 'github' }, message),
          onRateLimitBudget: (b) => {
            metrics.githubRateLimitRemaining.set({ resource: b.resource }, b.remaining);
            if (b.limit !== undefined) metrics.githubRateLimitLimit.set({ resource: b.resource }, b.limit);
          },
          onRateLimitWait: (w) => {
            metrics.githubRateLimitWaits.inc({ kind: w.kind });
            metrics.githubRateLimitWaitSeconds.inc({ kind: w.kind }, w.waitMs / 1000);
          },
        })
      : undefined;
  const ledger = createLedgerWriter({ store: deps.ledger ?? noLedger, env, holder: deps.holder, clock });
  return createGitHubSink({
    client,
    ledger,
    store: scopeStore(deps.kv, `state/${env}`),
    label: modes.github.titlePrefix,
    dedupeWindowS: config.dedupeWindowS,
    clock,
    holder: deps.holder,
    leaseMs: config.github.createLeaseMs,
    onStoreWait: (finding, error) =>
      log.warn(
        {
          channel: 'github',
          findingId: finding.id,
          err: error instanceof Error ? error.message : String(error),
        },
        'state store unavailable: will retry',
      ),
    // Dry-run touches only the state and the ledger: many fingerprint groups at once keep its
    // batched ledger writes full. Real writes are paced by the client, so a few groups suffice.
    concurrency: modes.github.mode === 'REAL' ? 8 : 256,
    onCall: (info) => {
      metrics.githubCalls.inc({
        operation: info.action,
        code: String(info.status ?? (info.ok ? 200 : 'error')),
      });
      log.info({ channel: 'github', ...info }, 'github call');
    },
  });
}

const noLedgerError = async (): Promise<never> => {
  throw new StoreUnavailableError('no STORAGE_URI is configured for the dry-run ledger');
};
const noLedger: LedgerStorage = {
  location: 'none',
  createIfAbsent: noLedgerError,
  read: noLedgerError,
  list: noLedgerError,
};
