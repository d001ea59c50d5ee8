import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('../..', import.meta.url));
/** The checkout whose `src/` the workers run: this one, or E2E_RELAY_ROOT (to try a patched copy). */
const root = process.env.E2E_RELAY_ROOT ? `${process.env.E2E_RELAY_ROOT.replace(/\/+$/, '')}/` : here;
/** The project's Node 24 (an npm devDependency), else the one running the tests. */
export const node = existsSync(`${root}node_modules/.bin/node`)
  ? `${root}node_modules/.bin/node`
  : process.execPath;

export interface E2eWorker {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt: number;
  /** Everything it wrote (pino JSON lines). */
  readonly output: () => string;
  /** Resolves with the exit code, or the signal name. */
  readonly exited: Promise<number | string>;
  readonly alive: () => boolean;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the HTTP port once `GET /readyz` answers 200 (subscribed and configured). */
  ready(timeoutMs?: number): Promise<number>;
}

/**
 * `finding-relay worker` from source as ONE process: node with tsx's loader, not the tsx CLI.
 * The tsx CLI runs the program in a child process and only relays catchable signals, so a
 * SIGKILL sent to it (as test/support/worker-process.ts does) leaves the real worker running as
 * an orphan; here the pid is the worker itself, so SIGKILL really kills it. The emulator
 * keepalive workaround (e2e-emulator-keepalive.ts) is loaded into it first.
 */
export function spawnE2eWorker(name: string, env: Record<string, string | undefined>): E2eWorker {
  const args = ['--import', 'tsx', '--import', `${here}test/support/e2e-emulator-keepalive.ts`];
  const child = spawn(node, [...args, `${root}src/main.ts`, 'worker'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (d) => chunks.push(String(d)));
  child.stderr?.on('data', (d) => chunks.push(String(d)));
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    name,
    child,
    pid: child.pid ?? -1,
    startedAt: Date.now(),
    output: () => chunks.join(''),
    exited,
    alive: () => !done,
    kill: (signal) => {
      if (!done && child.pid) process.kill(child.pid, signal);
    },
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && !done) {
        const port = /"port":(\d+),[^\n]*HTTP listening/.exec(chunks.join(''))?.[1];
        if (port) {
          const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
            .then((r) => r.status === 200)
            .catch(() => false);
          if (ok) return Number(port);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `${name} not ready after ${timeoutMs} ms (${done ? 'exited' : 'running'}):\n${chunks.join('').slice(-2_000)}`,
      );
    },
  };
}

/** What a worker's log lines say about intake, dispatch, retries and redeliveries. */
export interface WorkerLogFigures {
  /** Messages settled by intake (one intake `outcome` line for github per settled message). */
  settled: number;
  /** Of those, settled on a redelivery (deliveryAttempt > 1). */
  redelivered: number;
  /** Intake channels acked as `queued` (left to a dispatcher). */
  queued: number;
  nacked: number;
  /** Messages intake dead-lettered (invalid, or a permanent outcome at intake). */
  deadLettered: number;
  /** Dispatcher outcomes: final (done), transient (retried from the outbox), permanent (dead-lettered). */
  dispatched: number;
  dispatchRetries: number;
  dispatchDeadLettered: number;
  /** Times a worker took a dispatcher lease (first start and every takeover). */
  leasesTaken: number;
  slackAttempts: number;
  slackRetries: number;
  slackFailed: number;
  githubCalls: number;
  githubFailed: number;
  /** Intake batches that found the state store unavailable and waited. */
  storeUnavailable: number;
  errors: number;
  /** Time (epoch ms) of the last message intake acked; 0 when none. */
  lastAckAt: number;
}

export function emptyFigures(): WorkerLogFigures {
  return {
    settled: 0,
    redelivered: 0,
    queued: 0,
    nacked: 0,
    deadLettered: 0,
    dispatched: 0,
    dispatchRetries: 0,
    dispatchDeadLettered: 0,
    leasesTaken: 0,
    slackAttempts: 0,
    slackRetries: 0,
    slackFailed: 0,
    githubCalls: 0,
    githubFailed: 0,
    storeUnavailable: 0,
    errors: 0,
    lastAckAt: 0,
  };
}

/** A dispatcher's `outcome` line (completion-report.ts) carries `queuedMs`; intake's never does. */
const isDispatcherLine = (entry: Record<string, unknown>) => 'queuedMs' in entry;

/** Adds up the figures of one worker's output into `into`. */
export function addLogFigures(output: string, into: WorkerLogFigures): WorkerLogFigures {
  const settlements = lastSettlements([output], { all: true });
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    // The relay logs GCP-style: `message` and `severity` (pino's `msg`/numeric level otherwise).
    const msg = entry.message ?? entry.msg;
    if (
      entry.level === 'error' ||
      entry.level === 'fatal' ||
      entry.severity === 'ERROR' ||
      entry.severity === 'CRITICAL' ||
      (typeof entry.level === 'number' && entry.level >= 50)
    )
      into.errors += 1;
    if (msg === 'outcome' && isDispatcherLine(entry)) {
      if (entry.outcome === 'transient') into.dispatchRetries += 1;
      else if (entry.outcome === 'permanent') into.dispatchDeadLettered += 1;
      else into.dispatched += 1;
    } else if (msg === 'outcome') {
      if (entry.outcome === 'queued') into.queued += 1;
      if (entry.channel === 'github') {
        into.settled += 1;
        if (typeof entry.deliveryAttempt === 'number' && entry.deliveryAttempt > 1) into.redelivered += 1;
      }
    } else if (msg === 'slack message') {
      into.slackAttempts += 1;
      if (typeof entry.attempt === 'number' && entry.attempt > 1) into.slackRetries += 1;
      if (entry.status !== 'sent') into.slackFailed += 1;
    } else if (msg === 'github call') {
      into.githubCalls += 1;
      if (entry.ok !== true) into.githubFailed += 1;
    } else if (msg === 'state store unavailable: waiting') {
      // Intake's enqueue stage only (src/pipeline/enqueue.ts); the GitHub sink's 'will retry' is a dispatcher's.
      into.storeUnavailable += 1;
    } else if (msg === 'dispatcher lease taken') {
      into.leasesTaken += 1;
    }
    const settlement = entry.settlement as { kind?: unknown } | undefined;
    if (settlement?.kind === 'nack') into.nacked += 1;
    if (settlement?.kind === 'dead-letter') into.deadLettered += 1;
  }
  for (const s of settlements.values()) if (s.kind === 'ack') into.lastAckAt = Math.max(into.lastAckAt, s.at);
  return into;
}

/** A finding's settlement by intake as its worker logged it, with the outcome per channel. */
export interface LoggedSettlement {
  readonly at: number;
  kind: 'ack' | 'nack' | 'dead-letter';
  /** `sent`, `queued`, `dropped:duplicate`, `transient`, … per channel, as intake decided. */
  readonly outcomes: Map<string, string>;
}

/**
 * How each finding's LAST intake settlement went, from the workers' logs: every settlement logs
 * one `outcome` line per channel, and a nack or dead letter also logs a line with `settlement`, at
 * the same instant. Dispatchers' `outcome` lines (later, with `queuedMs`) are not settlements and
 * are skipped. A finding absent here was never settled by any worker (lost with a killed one).
 * With `all`, the latest settlement of each message is kept even if older lines follow.
 */
export function lastSettlements(
  outputs: readonly string[],
  _opts: { all?: boolean } = {},
): Map<string, LoggedSettlement> {
  const seen = new Map<string, LoggedSettlement>();
  for (const output of outputs) {
    for (const line of output.split('\n')) {
      if (!line.includes('"findingId"') || line.includes('"queuedMs"')) continue;
      // Only intake's settlement lines: its `outcome` lines and a nack's or dead letter's line with
      // `settlement`. Other lines naming a finding (a dispatcher's sink waiting for the store) are not.
      if (!line.includes('"message":"outcome"') && !line.includes('"settlement"')) continue;
      let entry: {
        time?: number;
        findingId?: string;
        message?: string;
        channel?: string;
        outcome?: string;
        reason?: string;
        settlement?: { kind?: string };
      };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      const { findingId, time } = entry;
      if (typeof findingId !== 'string' || typeof time !== 'number') continue;
      // The lines of one settlement are written one after the other (a millisecond may pass):
      // an outcome for a channel already seen, or a gap, starts the next settlement.
      let current = seen.get(findingId);
      const isOutcome = entry.message === 'outcome';
      if (current && time < current.at) continue;
      if (!current || time - current.at > 1_000 || (isOutcome && current.outcomes.has(entry.channel ?? ''))) {
        current = { at: time, kind: 'ack', outcomes: new Map() };
        seen.set(findingId, current);
      }
      const kind = entry.settlement?.kind;
      if (kind === 'nack' || kind === 'dead-letter') current.kind = kind;
      else if (entry.message === 'outcome' && entry.channel && entry.outcome)
        current.outcomes.set(
          entry.channel,
          entry.reason ? `${entry.outcome}:${entry.reason}` : entry.outcome,
        );
    }
  }
  return seen;
}
