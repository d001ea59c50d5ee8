/** Shared setup for the GitHub integration tests: the stand-in, a real client, a store, a ledger. */
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from '../../src/channels/github/client.js';
import {
  createGitHubSink,
  type GitHubCallInfo,
  type GitHubSinkDeps,
} from '../../src/channels/github/github-sink.js';
import type { LedgerEntry, LedgerWriter } from '../../src/channels/ledger/types.js';
import type { ChannelSink, DeliveryItem, Outcome } from '../../src/channels/types.js';
import type { Finding } from '../../src/finding/schema.js';
import { testFinding } from '../../src/finding/test-findings.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { createMemoryStore, type MemoryStateStore } from '../../src/state/memory-store.js';
import {
  type GitHubStandIn,
  type GitHubStandInOptions,
  startGitHubStandIn,
} from '../support/github-stand-in.js';

export const REPO = 'acme/widgets';

/** The lodash finding the GitHub tests deliver (testFinding with these values), with `over` on top. */
export function makeFinding(over: Partial<Finding> & { id: string }): Finding {
  return testFinding({
    source: { agent: 'dep-scanner', run: 'run-1' },
    severity: 'high',
    title: 'lodash prototype pollution',
    body: 'Upgrade lodash. cc @security-team',
    repo: REPO,
    fingerprint: 'fr1:lodash',
    labels: ['deps'],
    occurredAt: '2026-11-03T10:00:00Z',
    ...over,
  });
}

export const deliverItem = (finding: Finding): DeliveryItem => ({
  eventId: finding.id,
  finding,
  decision: 'deliver',
});
export const dryRunItem = (finding: Finding): DeliveryItem => ({
  eventId: finding.id,
  finding,
  decision: 'dry-run',
});

/** A clock the test moves by hand; sleeping still waits (briefly) in real time, as I/O does. */
export function manualClock(
  start = Date.parse('2026-11-03T12:00:00Z'),
): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: systemClock.sleep,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** An in-memory LedgerWriter: keys are `memory-ledger/N`. */
export function memoryLedger(): LedgerWriter & { entries: LedgerEntry[]; failing: boolean } {
  const ledger = {
    entries: [] as LedgerEntry[],
    failing: false,
    async append(entry: LedgerEntry) {
      if (ledger.failing) throw new Error('ledger store unavailable');
      ledger.entries.push(structuredClone(entry));
      return `memory-ledger/${ledger.entries.length}`;
    },
    async flush() {},
  };
  return ledger;
}

export interface Kit {
  gh: GitHubStandIn;
  client: GitHubClient;
  store: MemoryStateStore;
  ledger: ReturnType<typeof memoryLedger>;
  clock: ReturnType<typeof manualClock>;
  sink: ChannelSink;
  calls: GitHubCallInfo[];
  logs: string[];
  deliver(items: DeliveryItem[]): Promise<Outcome[]>;
  /** A second sink (another worker) over the same store and stand-in. */
  otherWorker(): ChannelSink;
  close(): Promise<void>;
}

export async function startKit(
  opts: {
    standIn?: GitHubStandInOptions;
    client?: Partial<GitHubClientOptions>;
    sink?: Partial<GitHubSinkDeps>;
  } = {},
): Promise<Kit> {
  const clock = manualClock();
  const gh = await startGitHubStandIn({ repos: [REPO], now: clock.now, ...opts.standIn });
  const logs: string[] = [];
  const client = createGitHubClient({
    baseUrl: gh.url,
    token: gh.token,
    clock,
    timeoutMs: 400,
    writeIntervalMs: 0,
    retryAfterBaseMs: 5,
    log: (level, message) => logs.push(`${level}: ${message}`),
    ...opts.client,
  });
  const store = createMemoryStore();
  const ledger = memoryLedger();
  const calls: GitHubCallInfo[] = [];
  const makeSink = () =>
    createGitHubSink({
      client,
      ledger,
      store,
      label: 'STAGING',
      dedupeWindowS: 3600,
      clock,
      onCall: (info) => calls.push(info),
      retryPolicy: { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20, maxRetryAfterMs: 1_000 },
      ...opts.sink,
    });
  const sink = makeSink();
  return {
    gh,
    client,
    store,
    ledger,
    clock,
    sink,
    calls,
    logs,
    async deliver(items) {
      const outcomes = await sink.deliver(items, new AbortController().signal);
      return items.map((item) => outcomes.get(item)!);
    },
    otherWorker: makeSink,
    close: () => gh.close(),
  };
}
