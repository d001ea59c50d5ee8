import { randomBytes } from 'node:crypto';
import { FindingValidationError } from '@finding-relay/publisher';
import { prepareFinding } from '@finding-relay/publisher/finding';
import { CHANNELS, type ChannelName, type Decision, type Outcome } from '../channels/types.js';
import { formatConfigIssues, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { parseDuration } from '../dlq/duration.js';
import type { FindingInput } from '../finding/schema.js';
import { type Clock, systemClock } from '../lib/clock.js';
import type { OutcomeSummary } from '../observability/recent-outcomes.js';
import { describeOutcome } from '../observability/status-page.js';
import { decideChannels, type ResolvedModes, resolveModes } from '../policy/decide-channels.js';
import { severityRank } from '../policy/severity.js';
import { createPubSubClient } from '../pubsub/client.js';
import { parseCommandArgs } from './args.js';
import { type CommandIO, UsageError } from './io.js';

export const SMOKE_AGENT = 'finding-relay-smoke';
export const SMOKE_LABEL = 'smoke-test';
const POLL_MS = 250;

export type Expected = { kind: 'sent' } | { kind: 'dry-run' } | { kind: 'dropped'; reason: string };

export interface SmokePlan {
  readonly finding: FindingInput;
  readonly expected: ReadonlyMap<ChannelName, Expected>;
  /** Lines telling the operator what was chosen and why. */
  readonly notes: readonly string[];
}

export interface SmokeDeps {
  readonly clock?: Clock;
  /** The random part of the finding id. */
  readonly randomSuffix?: () => string;
}

function expectedOf(decision: Decision): Expected {
  if (decision.do === 'deliver') return { kind: 'sent' };
  if (decision.do === 'dry-run') return { kind: 'dry-run' };
  return { kind: 'dropped', reason: decision.reason };
}

export function describeExpected(e: Expected): string {
  return e.kind === 'dropped' ? `dropped (${e.reason})` : e.kind;
}

/** The finding to publish and what each channel should do with it, from the same safety matrix. */
export function planSmoke(
  modes: ResolvedModes,
  opts: { id: string; now: number; repo?: string; allowReal: boolean },
): SmokePlan {
  const notes: string[] = [];
  let repo = opts.repo ?? modes.repoAllowlist.find((entry) => !entry.includes('*'));
  if (modes.github.mode === 'REAL' && !opts.allowReal && repo) {
    notes.push(
      `GitHub is REAL in ${modes.env}: the smoke finding is published without a repo, so GitHub drops it (no-repo) and opens no issue. Pass --allow-real to open a real issue in ${repo}.`,
    );
    repo = undefined;
  } else if (!repo && modes.github.mode !== 'DISABLED') {
    notes.push('no repo (no --repo, no GITHUB_REPO_ALLOWLIST entry without *): GitHub drops it (no-repo).');
  }
  // The lowest severity every channel's floor lets through: exercises them, alarms nobody.
  const severity = [modes.slackMinSeverity, modes.githubMinSeverity].reduce((a, b) =>
    severityRank(a) >= severityRank(b) ? a : b,
  );
  const finding: FindingInput = {
    schemaVersion: 1,
    id: opts.id,
    source: { agent: SMOKE_AGENT },
    severity,
    title: `[smoke test] finding-relay smoke ${opts.id}`,
    body: 'A synthetic finding published by `finding-relay smoke` to check the relay end to end. Nothing to fix.',
    ...(repo ? { repo } : {}),
    // Its own fingerprint, so the dedupe window never makes it a duplicate of an earlier smoke test.
    fingerprint: opts.id,
    labels: [SMOKE_LABEL],
    occurredAt: new Date(opts.now).toISOString(),
    metadata: { smokeTest: 'true' },
  };
  const decisions = decideChannels({ severity: finding.severity, repo }, modes);
  const expected = new Map(CHANNELS.map((c) => [c, expectedOf(decisions.get(c)!)] as const));
  return { finding, expected, notes };
}

/** Whether one channel's outcome is what the matrix predicted. */
export function matches(expected: Expected, actual: Outcome | undefined): boolean {
  if (!actual || actual.kind !== expected.kind) return false;
  return expected.kind !== 'dropped' || (actual.kind === 'dropped' && actual.reason === expected.reason);
}

function parseSmokeArgs(args: readonly string[], config: Config) {
  const { values } = parseCommandArgs(args, {
    timeout: { type: 'string' },
    url: { type: 'string' },
    repo: { type: 'string' },
    'allow-real': { type: 'boolean' },
  });
  const timeoutMs = parseDuration(values.timeout ?? '60s');
  if (timeoutMs === undefined)
    throw new UsageError(`--timeout: "${values.timeout}" is not a duration like 60s or 2m`);
  const url = values.url ?? `http://127.0.0.1:${config.port}`;
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError('--url must be http(s)');
  return { timeoutMs, base, repo: values.repo, allowReal: values['allow-real'] === true };
}

type Poll = { summary: OutcomeSummary } | { pending: string };

async function fetchOutcome(base: URL, id: string, signal: AbortSignal): Promise<Poll> {
  const url = new URL(
    `api/outcomes/${encodeURIComponent(id)}`,
    base.href.endsWith('/') ? base : `${base.href}/`,
  );
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
    if (res.status === 404) return { pending: `the worker at ${base.origin} has not handled ${id} (404)` };
    if (!res.ok) return { pending: `the worker answered HTTP ${res.status}` };
    return { summary: (await res.json()) as OutcomeSummary };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error).message;
    return { pending: `could not reach the worker at ${base.origin}: ${cause}` };
  }
}

/**
 * Polls until the finding is settled for good: acked with every channel final, or dead-lettered.
 * A nack means a redelivery is coming; an ack with a channel still `queued` means its dispatcher
 * has not finished yet (intake acks once the work is in the outbox).
 */
async function waitForOutcome(
  base: URL,
  id: string,
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal,
): Promise<{ summary: OutcomeSummary } | { timedOut: string }> {
  const deadline = clock.now() + timeoutMs;
  let last = 'nothing heard yet';
  for (;;) {
    const poll = await fetchOutcome(base, id, signal);
    if ('summary' in poll) {
      const queued = Object.entries(poll.summary.channels)
        .filter(([, outcome]) => outcome?.kind === 'queued')
        .map(([channel]) => channel);
      if (poll.summary.settlement === 'nack')
        last = `its last delivery was nacked (${poll.summary.detail ?? 'transient'}); waiting for the redelivery`;
      else if (poll.summary.settlement === 'ack' && queued.length > 0)
        last = `acked; ${queued.join(' and ')} still queued in the outbox (waiting for its dispatcher)`;
      else return poll;
    } else {
      last = poll.pending;
    }
    if (clock.now() + POLL_MS > deadline || signal.aborted) return { timedOut: last };
    await clock.sleep(POLL_MS, signal).catch(() => undefined);
  }
}

async function publish(config: Config, finding: FindingInput): Promise<string> {
  const message = prepareFinding(finding);
  const pubsub = createPubSubClient({
    projectId: config.pubsub.projectId,
    emulatorHost: config.pubsub.emulatorHost,
  });
  try {
    return await pubsub
      .topic(config.pubsub.findingsTopic)
      .publishMessage({ data: message.data, attributes: { ...message.attributes, smoke_test: 'true' } });
  } finally {
    await pubsub.close();
  }
}

export async function runSmoke(
  args: readonly string[],
  io: CommandIO,
  deps: SmokeDeps = {},
): Promise<number> {
  const result = loadConfig(io.env, { cwd: io.cwd });
  const opts = parseSmokeArgs(args, result.config);
  if (result.issues.length > 0) {
    io.stderr(
      `${formatConfigIssues(result.issues)}\n(the worker refuses to start with this configuration)\n`,
    );
    return 78;
  }
  const { config } = result;
  const clock = deps.clock ?? systemClock;
  const suffix = deps.randomSuffix?.() ?? randomBytes(4).toString('hex');
  const id = `smoke-${clock.now().toString(36)}-${suffix}`;
  const modes = resolveModes(config);
  let plan: SmokePlan;
  try {
    plan = planSmoke(modes, {
      id,
      now: clock.now(),
      allowReal: opts.allowReal,
      ...(opts.repo ? { repo: opts.repo } : {}),
    });
    prepareFinding(plan.finding);
  } catch (error) {
    if (error instanceof FindingValidationError)
      throw new UsageError(`the smoke finding is invalid: ${error.message}`);
    throw error;
  }
  for (const note of plan.notes) io.stdout(`note: ${note}\n`);
  try {
    const messageId = await publish(config, plan.finding);
    io.stdout(
      `published smoke finding ${id} to ${config.pubsub.findingsTopic} (message ${messageId}) in ${modes.env}\n`,
    );
  } catch (error) {
    io.stderr(
      `publishing the smoke finding failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  const waited = await waitForOutcome(opts.base, id, opts.timeoutMs, clock, io.signal);
  if ('timedOut' in waited) {
    if (io.signal.aborted) {
      io.stderr(`smoke test interrupted before ${id} had an outcome\n`);
      return 130;
    }
    const seconds = Math.round(opts.timeoutMs / 1000);
    io.stderr(`smoke test FAILED: no final outcome for ${id} within ${seconds}s: ${waited.timedOut}\n`);
    return 1;
  }
  return report(waited.summary, plan, io);
}

function report(summary: OutcomeSummary, plan: SmokePlan, io: CommandIO): number {
  let ok = true;
  for (const channel of CHANNELS) {
    const expected = plan.expected.get(channel)!;
    const actual = summary.channels[channel];
    const good = matches(expected, actual);
    ok &&= good;
    const verdict = good ? 'as expected' : `MISMATCH: expected ${describeExpected(expected)}`;
    io.stdout(`  ${channel.padEnd(7)} ${describeOutcome(actual)} — ${verdict}\n`);
  }
  if (summary.settlement === 'dead-letter') {
    ok = false;
    io.stdout(`  dead-lettered: ${summary.reason ?? ''} ${summary.detail ?? ''}\n`);
  }
  if (ok) {
    io.stdout('smoke test passed: every channel reached what the safety matrix predicts\n');
    return 0;
  }
  io.stderr(
    'smoke test FAILED: the worker did not do what the safety matrix predicts for this configuration (is --url pointing at a worker with the same variables?)\n',
  );
  return 1;
}
