import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Firestore } from '@google-cloud/firestore';
import type { PubSub } from '@google-cloud/pubsub';
import { CHANNELS } from '../../src/channels/types.js';
import { createPubSubClient } from '../../src/pubsub/client.js';
import { provisionPubSub } from '../../src/pubsub/provision.js';
import { type CorpusEntry, generateCorpus, sharedCount } from './e2e-corpus.js';
import './e2e-emulator-keepalive.js';
import { checkInvariants, findSecretLeaks, type InvariantReport } from './e2e-invariants.js';
import {
  DeadLetterCollector,
  DeliveryRecords,
  firestoreDeliverySource,
  githubEffects,
  ledgerOf,
  sqliteDeliverySource,
} from './e2e-observations.js';
import {
  addLogFigures,
  type E2eWorker,
  emptyFigures,
  type LoggedSettlement,
  lastSettlements,
  node,
  spawnE2eWorker,
  type WorkerLogFigures,
} from './e2e-worker.js';
import { type GitHubStandIn, startGitHubStandIn } from './github-stand-in.js';
import { TEST_PROJECT_ID, uniqueNames } from './pubsub-fixtures.js';
import { type Env, relayEnv } from './relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from './slack-stand-in.js';

export interface ScenarioOptions {
  readonly name: string;
  readonly count: number;
  /** Pub/Sub emulator `host:port` (the shared one, or a dedicated one to freeze). */
  readonly emulatorHost: string;
  readonly repos?: readonly string[];
  readonly seed?: number;
  /** Dead-letter policy; default 5 (the product's default). */
  readonly maxDeliveryAttempts?: number;
  /**
   * Redelivery backoff after a nack, seconds; default 1–10 (as `npm run dev`), or 'immediate'.
   * With a retry policy emulator 0.8.20 never redelivers part of the messages that were held for a
   * few seconds before their nack (1,500 of 2,000 in a probe; immediate redelivery loses none, but
   * burns every delivery attempt within a second of an outage): redeliverWhenStalled makes up for it.
   */
  readonly backoffS?: { readonly min: number; readonly max: number } | 'immediate';
  /** Extra worker environment (e.g. SLACK_BATCH_WINDOW_MS). */
  readonly env?: Env;
  /** Where the workers keep their shared state; default a sqlite file in the scenario's directory. */
  readonly state?: ScenarioState;
}

/**
 * The state backend of a scenario's workers: one sqlite file (workers on one host), or a Firestore
 * project of the scenario's own (a fleet) on a running emulator: `emulatorHost` is the address the
 * workers are given (it may be a relay in front of the emulator, to play an outage),
 * `readHost` (default the same) the one the test reads the deliveries through.
 */
export type ScenarioState =
  | { readonly backend: 'sqlite' }
  | { readonly backend: 'firestore'; readonly emulatorHost: string; readonly readHost?: string };

/** A Firestore emulator client for `project` (the emulator takes any project; `owner` skips its rules). */
export function firestoreEmulatorClient(host: string, projectId: string): Firestore {
  return new Firestore({
    projectId,
    host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
    // Told its universe, the client asks no metadata server for it (and warns of nothing).
    universeDomain: 'googleapis.com',
    ignoreUndefinedProperties: true,
  });
}

/** One row of the fault summary. */
export interface ScenarioFigures {
  readonly scenario: string;
  readonly findings: number;
  readonly sharingFingerprints: number;
  readonly outcomes: Record<string, number>;
  readonly deadLetters: Record<string, number>;
  readonly workerLogs: WorkerLogFigures;
  readonly slack: { received: number; accepted: number; digestsCovering: number };
  readonly github: { requests: number; failedRequests: number; issues: number; comments: number };
  /** Side effects repeated after a crash (allowed: one per SIGKILL) and the pace observed. */
  readonly repeats: InvariantReport['repeats'];
  readonly pace: InvariantReport['pace'];
  /** ms from the first publish: the last message intake acked / the last GitHub write. */
  readonly lastAckMs: number | undefined;
  readonly lastGithubWriteMs: number | undefined;
  /** ms from the first publish: everything published / every finding settled. */
  readonly publishedMs: number;
  readonly settledMs: number | undefined;
  /** ms from the end of the fault to the first side effect of the affected channel / to the last finding settled. */
  readonly recoverMs: number | undefined;
  readonly drainAfterFaultMs: number | undefined;
  readonly violations: number;
  /** Worker processes started (restarts included) and findings published again after a stall. */
  readonly workersStarted: number;
  readonly workersKilled: number;
  readonly republished: number;
}

export const DEFAULT_REPOS = ['acme/api', 'acme/web', 'acme/infra', 'acme/mobile', 'acme/data'];

/**
 * One end-to-end run: Slack and GitHub stand-ins, a fresh store, its own Pub/Sub names, a corpus,
 * worker processes, and the records to judge it by. The fault is the test's business; the
 * scenario only notes when it started and ended (markFault) for the recovery figures.
 */
export class Scenario {
  readonly workers: E2eWorker[] = [];
  readonly started = Date.now();
  publishedAt: number | undefined;
  settledAt: number | undefined;
  fault: { start?: number; end?: number; channel?: 'slack' | 'github' | 'any' } = {};
  /** How each worker ended (exit code or signal), by name. */
  readonly exits = new Map<string, number | string>();
  /** When each SIGKILLed worker was seen dead (epoch ms): a digest it posted before then may be repeated. */
  readonly killedAt: number[] = [];
  readonly done: DeliveryRecords;
  private readonly dlq: DeadLetterCollector;

  private constructor(
    readonly opts: ScenarioOptions,
    readonly corpus: CorpusEntry[],
    readonly idPrefix: string,
    readonly pubsub: PubSub,
    readonly names: ReturnType<typeof uniqueNames>,
    readonly slack: SlackStandIn,
    readonly github: GitHubStandIn,
    readonly repos: readonly string[],
    readonly workerEnv: Env,
    /** The scenario's directory: `state.db` (STATE_URI, shared by its workers, on sqlite) and `ledger/`. */
    readonly dir: string,
    /** On Firestore: the project the workers' state is in. */
    readonly firestoreProject: string | undefined,
  ) {
    const state = opts.state ?? { backend: 'sqlite' };
    this.done =
      state.backend === 'firestore'
        ? new DeliveryRecords(
            firestoreDeliverySource(
              firestoreEmulatorClient(state.readHost ?? state.emulatorHost, firestoreProject!),
            ),
            corpus,
            // Reading every row back costs this process ~350 ms of CPU per 4,000 (measured), on a
            // machine the workers and the emulator share: not every half second.
            3_000,
          )
        : new DeliveryRecords(sqliteDeliverySource(this.dbPath), corpus);
    this.dlq = new DeadLetterCollector(pubsub, names.deadLetterSubscription);
  }

  /**
   * This (test) process's event-loop stalls over 10 ms, as [end, ms]: the stand-ins stamp each
   * request when their handler runs here, so a stall makes a stamp late and the gap after it short.
   */
  readonly loopStalls: Array<[number, number]> = [];
  private readonly stallTicker = (() => {
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const late = now - last - 20;
      if (late > 10) this.loopStalls.push([Date.now(), Math.round(late)]);
      last = now;
    }, 20);
    timer.unref();
    return timer;
  })();

  static async start(opts: ScenarioOptions): Promise<Scenario> {
    const names = uniqueNames(opts.name);
    const idPrefix = `${opts.name}-${names.suffix}`;
    const repos = opts.repos ?? DEFAULT_REPOS;
    const corpus = generateCorpus({ count: opts.count, repos, idPrefix, seed: opts.seed ?? 1 });
    const pubsub = createPubSubClient({ projectId: TEST_PROJECT_ID, emulatorHost: opts.emulatorHost });
    await provisionPubSub(pubsub, names, {
      maxDeliveryAttempts: opts.maxDeliveryAttempts ?? 5,
      ackDeadlineSeconds: 10,
      ...(opts.backoffS === 'immediate'
        ? { immediateRedelivery: true }
        : { minimumBackoffS: opts.backoffS?.min ?? 1, maximumBackoffS: opts.backoffS?.max ?? 10 }),
    });
    const slack = await startSlackStandIn();
    const github = await startGitHubStandIn({ repos, rateLimit: 1_000_000 });
    const dir = await mkdtemp(join(tmpdir(), `e2e-${opts.name}-`));
    const state = opts.state ?? { backend: 'sqlite' };
    // A project per scenario (a valid id: 6–30 lower-case letters, digits, '-'): the emulator keeps
    // projects apart, so runs never share data.
    const firestoreProject = state.backend === 'firestore' ? `e2e-${names.suffix}` : undefined;
    const workerEnv: Env = {
      ...relayEnv(names, dir, {}),
      PUBSUB_EMULATOR_HOST: opts.emulatorHost,
      // Every worker process of the scenario shares this one sqlite file (workers on one host), or
      // the scenario's Firestore project (a fleet). STORAGE_URI is only the dry-run ledger now.
      ...(state.backend === 'firestore'
        ? {
            STATE_URI: `firestore://${firestoreProject}/(default)`,
            FIRESTORE_EMULATOR_HOST: state.emulatorHost,
          }
        : { STATE_URI: `sqlite://${join(dir, 'state.db')}` }),
      STORAGE_URI: pathToFileURL(join(dir, 'ledger')).href,
      PORT: '0',
      LOG_LEVEL: 'info',
      METADATA_SERVER_DETECTION: 'none',
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: slack.url,
      SLACK_BATCH_WINDOW_MS: '1000',
      GITHUB_ISSUE_CREATION_ENABLED: 'true',
      DRY_RUN: 'false',
      GITHUB_TOKEN: github.token,
      GITHUB_API_URL: github.url,
      GITHUB_WRITE_INTERVAL_MS: '0',
      GITHUB_REPO_ALLOWLIST: 'acme/*',
      ...opts.env,
    };
    return new Scenario(
      opts,
      corpus,
      idPrefix,
      pubsub,
      names,
      slack,
      github,
      repos,
      workerEnv,
      dir,
      firestoreProject,
    );
  }

  get dbPath(): string {
    return join(this.dir, 'state.db');
  }

  /** Starts a worker process (its output is kept for the figures, even after a kill). */
  spawnWorker(extra: Env = {}): E2eWorker {
    const worker = spawnE2eWorker(`${this.opts.name}-w${this.workers.length + 1}`, {
      ...this.workerEnv,
      ...extra,
    });
    this.workers.push(worker);
    void worker.exited.then((code) => {
      this.exits.set(worker.name, code);
      if (code === 'SIGKILL') this.killedAt.push(Date.now());
    });
    return worker;
  }

  /** Starts `n` workers and waits until each is ready (subscribed), so the load is shared from the start. */
  async startWorkers(n: number, extra: Env = {}): Promise<E2eWorker[]> {
    const started = Array.from({ length: n }, () => this.spawnWorker(extra));
    await Promise.all(started.map((w) => w.ready()));
    return started;
  }

  alive(): E2eWorker[] {
    return this.workers.filter((w) => w.alive());
  }

  async publish(): Promise<void> {
    const topic = this.pubsub.topic(this.names.findingsTopic, {
      batching: { maxMessages: 500, maxMilliseconds: 10 },
    });
    await Promise.all(
      this.corpus.map((e) => topic.publishMessage({ data: Buffer.from(JSON.stringify(e.input)) })),
    );
    this.publishedAt = Date.now();
  }

  /**
   * Publishes again (same data, same id) every unfinished finding whose message Pub/Sub owes a
   * redelivery and has not made it: its last settlement was a nack more than `overdueMs` ago, or
   * (after a SIGKILL, `neverSettled`) no worker ever logged a settlement for it. Emulator 0.8.20
   * drops some of those (see the report); the relay must treat the copy as the same event. A
   * finding whose last settlement was an ack is never published again: if it lacks an outcome,
   * the relay lost it, and the invariants say so.
   */
  async redeliverUnfinished(opts: { neverSettled?: boolean; overdueMs?: number } = {}): Promise<number> {
    await this.progress(true);
    const dead = this.dlq.ids();
    const last = this.settlements(true);
    const overdue = Date.now() - (opts.overdueMs ?? 20_000);
    const unfinished = this.corpus.filter((e) => {
      const id = e.finding.id;
      if (dead.has(id) || this.finished(id)) return false;
      const settled = last.get(id);
      return settled ? settled.kind === 'nack' && settled.at < overdue : opts.neverSettled === true;
    });
    const topic = this.pubsub.topic(this.names.findingsTopic, {
      batching: { maxMessages: 500, maxMilliseconds: 10 },
    });
    await Promise.all(
      unfinished.map((e) => topic.publishMessage({ data: Buffer.from(JSON.stringify(e.input)) })),
    );
    this.republished += unfinished.length;
    return unfinished.length;
  }

  private settlementCache: { at: number; map: Map<string, LoggedSettlement> } | undefined;

  /** The workers' logged settlements, parsed at most every 5 s unless `fresh`. */
  settlements(fresh = false): Map<string, LoggedSettlement> {
    if (fresh || !this.settlementCache || Date.now() - this.settlementCache.at > 5_000)
      this.settlementCache = { at: Date.now(), map: lastSettlements(this.workers.map((w) => w.output())) };
    return this.settlementCache.map;
  }

  republished = 0;

  /**
   * Until every finding is finished (or the timeout): whenever none has finished for `quietMs`,
   * publishes the unfinished ones again. Returns how many copies were published.
   */
  async redeliverWhenStalled(
    quietMs: number,
    timeoutMs: number,
    opts: { stop?: AbortSignal; neverSettled?: boolean } = {},
  ): Promise<number> {
    const stop = opts.stop;
    const deadline = Date.now() + timeoutMs;
    const before = this.republished;
    let last = -1;
    let since = Date.now();
    while (Date.now() < deadline && !stop?.aborted) {
      const { complete } = await this.progress();
      if (complete >= this.corpus.length) break;
      if (complete !== last) [last, since] = [complete, Date.now()];
      else if (Date.now() - since >= quietMs) {
        await this.redeliverUnfinished({ neverSettled: opts.neverSettled ?? false });
        since = Date.now();
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return this.republished - before;
  }

  /**
   * Every channel of a finding final: a final row in the state store (done or dead-lettered), or a
   * final outcome intake decided itself (dropped by the route: no row) in an acked settlement.
   */
  private finished(id: string): boolean {
    const logged = this.settlements().get(id);
    return CHANNELS.every((c) => {
      const row = this.done.row(id, c);
      if (row) return row.state !== 'queued';
      const o = logged?.kind === 'ack' ? logged.outcomes.get(c) : undefined;
      return o !== undefined && (o === 'sent' || o === 'dry-run' || o.startsWith('dropped'));
    });
  }

  /** Findings finished: final on every channel, or on the dead-letter topic (`fresh`: rows read now, never a recent read's). */
  async progress(fresh = false): Promise<{ complete: number; done: number; deadLettered: number }> {
    const done = await this.done.refresh(fresh);
    const dead = this.dlq.ids();
    const complete = this.corpus.filter((e) => dead.has(e.finding.id) || this.finished(e.finding.id)).length;
    return { complete, done, deadLettered: dead.size };
  }

  /** Polls progress until `atLeast` findings are finished; rejects with a diagnosis after the timeout. */
  async waitForComplete(atLeast: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = { complete: 0, done: 0, deadLettered: 0 };
    while (Date.now() < deadline) {
      last = await this.progress();
      if (last.complete >= atLeast) {
        if (atLeast >= this.corpus.length) this.settledAt ??= Date.now();
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const pending = [...this.done.pending.entries()]
      .slice(0, 5)
      .map(
        ([k, r]) =>
          `${k.replace('\n', '/')}: ${r ? `${r.state} after ${r.attempts} attempts (${r.cause ?? ''})` : 'absent'}`,
      );
    throw new Error(
      `${this.opts.name}: ${last.complete} of ${atLeast} findings finished after ${timeoutMs} ms (${last.deadLettered} dead-lettered; alive workers ${this.alive().length}); e.g. ${pending.join('; ')}`,
    );
  }

  /** Waits for the whole corpus, then a moment for stray redeliveries and dead letters. */
  async waitForAll(timeoutMs: number): Promise<void> {
    await this.waitForComplete(this.corpus.length, timeoutMs);
    await new Promise((r) => setTimeout(r, 1_500));
    await this.done.refresh(true);
  }

  markFault(edge: 'start' | 'end', channel: 'slack' | 'github' | 'any' = 'any'): void {
    this.fault = { ...this.fault, [edge]: Date.now(), channel };
  }

  /** SIGTERM to every live worker; resolves when all have exited. */
  async stopWorkers(): Promise<Array<number | string>> {
    const alive = this.alive();
    for (const w of alive) w.kill('SIGTERM');
    return Promise.all(alive.map((w) => w.exited));
  }

  /**
   * The realistic fault of an embedded store: another process holds its write lock. A child
   * process opens the same sqlite file and holds `BEGIN EXCLUSIVE` for `ms`, then commits and
   * exits. Resolves once the lock is held (the workers' writes fail busy from then on); the
   * returned promise `released` resolves when the child has let go.
   */
  async holdWriteLock(ms: number): Promise<{ released: Promise<void> }> {
    if (this.opts.state?.backend === 'firestore') throw new Error('holdWriteLock: a sqlite scenario only');
    // Proof that the lock is held: a second connection of the child's, with no busy wait, is
    // refused a write transaction (SQLITE_BUSY) right after BEGIN EXCLUSIVE and again just before
    // COMMIT; otherwise the child exits non-zero and the scenario fails.
    const script = `
      const { DatabaseSync } = require('node:sqlite');
      const db = new DatabaseSync(process.argv[1], { timeout: 60000 });
      const refused = () => {
        const probe = new DatabaseSync(process.argv[1], { timeout: 0 });
        try { probe.exec('BEGIN IMMEDIATE'); probe.exec('ROLLBACK'); return false; }
        catch (e) { return /locked|busy/i.test(String(e && e.message)); }
        finally { probe.close(); }
      };
      db.exec('BEGIN EXCLUSIVE');
      if (!refused()) { process.stdout.write('NOT LOCKED\\n'); process.exit(3); }
      process.stdout.write('locked ' + Date.now() + '\\n');
      setTimeout(() => {
        const still = refused();
        db.exec('COMMIT'); db.close();
        process.stdout.write((still ? 'released ' : 'LOST ') + Date.now() + '\\n');
        process.exit(still ? 0 : 4);
      }, Number(process.argv[2]));
    `;
    const child: ChildProcess = spawn(node, ['-e', script, this.dbPath, String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.lockers.push(child);
    let out = '';
    const released = new Promise<void>((resolve, reject) =>
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`lock holder exited ${code}: ${out.trim()}`)),
      ),
    );
    released.catch(() => undefined); // awaited by the caller
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += String(d);
        if (out.includes('locked')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking: ${out}`)));
    });
    return { released };
  }

  private readonly lockers: ChildProcess[] = [];

  /** Reads everything the run left and checks the invariants; also the figures for the summary. */
  async judge(): Promise<{ report: InvariantReport; figures: ScenarioFigures }> {
    await this.done.refresh(true);
    const ledger = await ledgerOf(join(this.dir, 'ledger'), 'dev');
    const killed = [...this.exits.values()].filter((c) => c === 'SIGKILL').length;
    const interval = Number(this.workerEnv.GITHUB_WRITE_INTERVAL_MS ?? 3_000);
    const report = checkInvariants({
      corpus: this.corpus,
      idPrefix: this.idPrefix,
      done: this.done,
      slackAccepted: this.slack.accepted,
      slackReceived: this.slack.received,
      githubRequests: this.github.requests,
      ...(interval >= 1_000 ? { githubMinGapMs: 1_000 } : {}),
      loopStalls: this.loopStalls,
      allowedRepeats: killed,
      killedAt: this.killedAt,
      slackLabel: 'DEV',
      githubEffects: githubEffects(this.github, this.repos),
      githubViolations: this.github.violations.map(
        (v) => `${v.method} ${v.path} ${v.where}: ${v.errors.join('; ')}`,
      ),
      deadLetters: this.dlq.letters,
      loggedSettlements: this.settlements(true),
      ledger,
      dedupeWindowS: 86_400,
    });
    report.violations.push(
      ...findSecretLeaks(
        [
          { name: 'GITHUB_TOKEN', value: this.github.token },
          { name: 'SLACK_WEBHOOK_URL (its path)', value: new URL(this.slack.url).pathname },
        ],
        [
          ...this.workers.map((w) => ({ where: `${w.name}'s log`, text: w.output() })),
          { where: 'the dead letters', text: JSON.stringify(this.dlq.letters) },
          { where: 'the ledger', text: JSON.stringify(ledger) },
        ],
      ),
    );
    const logs = emptyFigures();
    for (const w of this.workers) addLogFigures(w.output(), logs);
    const firstAfterFault = this.firstSideEffectAfterFault();
    const writes = this.github.requests.filter(
      (r) => r.method === 'POST' && /\/(issues|comments)$/.test(r.path),
    );
    const since = (at: number | undefined) => (at === undefined || at === 0 ? undefined : at - this.started);
    const figures: ScenarioFigures = {
      scenario: this.opts.name,
      findings: this.corpus.length,
      sharingFingerprints: sharedCount(this.corpus),
      outcomes: report.outcomes,
      deadLetters: report.deadLetters.byReason,
      workerLogs: logs,
      slack: {
        received: this.slack.received.length,
        accepted: this.slack.accepted.length,
        digestsCovering: report.slack.covered,
      },
      github: {
        requests: this.github.requests.length,
        failedRequests: this.github.requests.filter((r) => r.status >= 400).length,
        issues: report.github.issues,
        comments: report.github.comments,
      },
      repeats: report.repeats,
      pace: report.pace,
      lastAckMs: since(logs.lastAckAt),
      lastGithubWriteMs: since(writes.length ? Math.max(...writes.map((r) => r.at)) : undefined),
      publishedMs: (this.publishedAt ?? this.started) - this.started,
      settledMs: this.settledAt === undefined ? undefined : this.settledAt - this.started,
      recoverMs:
        firstAfterFault === undefined || this.fault.end === undefined
          ? undefined
          : firstAfterFault - this.fault.end,
      drainAfterFaultMs:
        this.settledAt === undefined || this.fault.end === undefined
          ? undefined
          : this.settledAt - this.fault.end,
      violations: report.violations.length,
      workersStarted: this.workers.length,
      workersKilled: killed,
      republished: this.republished,
    };
    return { report, figures };
  }

  /** The first success of the faulted channel after the fault ended (deliveries' finished_at). */
  private firstSideEffectAfterFault(): number | undefined {
    const end = this.fault.end;
    if (end === undefined) return undefined;
    const channels =
      this.fault.channel === 'slack' || this.fault.channel === 'github'
        ? [this.fault.channel]
        : ['slack', 'github'];
    let first: number | undefined;
    for (const [key, row] of this.done.done) {
      const channel = key.split('\n')[1]!;
      const at = row.finishedAt;
      if (!channels.includes(channel) || row.outcome?.kind !== 'sent' || at === undefined || at < end)
        continue;
      first = first === undefined ? at : Math.min(first, at);
    }
    return first;
  }

  /** Writes every worker's output under `dir` (for diagnosis). */
  async saveLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const w of this.workers) await writeFile(join(dir, `${w.name}.log`), w.output());
    // What the stand-ins received, with their own receive stamps (epoch ms, in this process).
    const github = this.github.requests.map((r) => ({
      at: r.at,
      method: r.method,
      path: r.path,
      status: r.status,
    }));
    await writeFile(join(dir, 'github-requests.json'), `${JSON.stringify(github)}\n`);
    const slack = this.slack.received.map((r) => ({ at: r.at }));
    await writeFile(join(dir, 'slack-received.json'), `${JSON.stringify(slack)}\n`);
    await writeFile(join(dir, 'test-loop-stalls.json'), `${JSON.stringify(this.loopStalls)}\n`);
  }

  async close(): Promise<void> {
    clearInterval(this.stallTicker);
    for (const w of this.alive()) w.kill('SIGKILL');
    await Promise.all(this.workers.map((w) => w.exited));
    await this.dlq.close().catch(() => undefined);
    await this.slack.close();
    await this.github.close();
    for (const l of this.lockers) if (l.exitCode === null) l.kill('SIGKILL');
    await this.done.close().catch(() => undefined);
    await this.pubsub.close();
  }
}
