import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SHORT_LEASES, untilIssues } from '../support/e2e-fault-run.js';
import { useFirestoreEmulator } from '../support/e2e-firestore.js';
import type { InvariantReport } from '../support/e2e-invariants.js';
import { Scenario, type ScenarioFigures, type ScenarioState } from '../support/e2e-scenario.js';
import { emulatorHost } from '../support/pubsub-fixtures.js';
import type { Env } from '../support/relay-harness.js';

/**
 * Issues 5, 14 and 15: two worker processes share one subscription and one state (a sqlite file,
 * or a Firestore project), with Slack ENABLED and GitHub REAL against the stand-ins. Intake acks once each channel is final or
 * queued in the outbox; ONE leased dispatcher per target (fleet-wide) drains it: one Slack digest
 * per window, ~1 message/s, GitHub content-creating requests ≥ 1 s apart (GITHUB_WRITE_INTERVAL_MS
 * 1000, the product's floor). Every message is acked long before the last issue is written.
 * Then the dispatcher lease holder is SIGKILLed: another worker takes over, nothing lost, at most
 * the one digest or issue write in flight repeated.
 */

const COUNT = 2_000;
const logsDir = (name: string) =>
  join(fileURLToPath(new URL('../..', import.meta.url)), 'test-artifacts', 'e2e', 'logs', name);
/** GitHub at 1 write/s: only critical findings of one repo go there (~80), the rest are dropped by the route. */
const GITHUB_REPO = 'acme/api';
const PACED: Env = {
  GITHUB_WRITE_INTERVAL_MS: '1000',
  GITHUB_REPO_ALLOWLIST: GITHUB_REPO,
  GITHUB_MIN_SEVERITY: 'critical',
};

function expectInvariants(report: InvariantReport, scenario: Scenario, figures: ScenarioFigures) {
  expect(report.violations).toEqual([]);
  const settled = scenario.corpus.length;
  expect(report.deadLetters.total).toBe(0);
  const o = report.outcomes;
  expect((o['slack:sent'] ?? 0) + (o['slack:dropped:duplicate'] ?? 0)).toBe(settled);
  expect(o['slack:dropped:duplicate']).toBeGreaterThan(0);
  expect(
    (o['github:sent'] ?? 0) +
      (o['github:dropped:duplicate'] ?? 0) +
      (o['github:dropped:not-allowlisted'] ?? 0) +
      (o['github:dropped:below-severity'] ?? 0),
  ).toBe(settled);
  // One issue per (repo, fingerprint) among the findings GitHub takes.
  const groups = new Set(
    scenario.corpus
      .filter((e) => e.finding.repo === GITHUB_REPO && e.finding.severity === 'critical')
      .map((e) => `${e.finding.repo} ${e.finding.fingerprint}`),
  );
  expect(report.github.issues).toBe(groups.size);
  expect(report.github.openIssues).toBe(groups.size);
  // Pace, fleet-wide: GitHub writes ≥ 1 s apart as the stand-in saw them, less 50 ms of jitter,
  // unless a stall of this process made a stamp late (checked as a violation above); Slack ≥ ~1 s.
  expect(figures.pace.githubMinGapUnexplainedMs).toBeGreaterThanOrEqual(950);
  expect(figures.pace.slackGapsUnder900).toBe(0);
  // The point of the outbox: every message was acked long before the last issue was written.
  expect(figures.lastAckMs).toBeDefined();
  expect(figures.lastGithubWriteMs).toBeDefined();
  expect(figures.lastGithubWriteMs! - figures.lastAckMs!).toBeGreaterThan(20_000);
}

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/**
 * Two workers, the GitHub dispatcher holder SIGKILLed mid-run and a third started: another worker
 * takes over, nothing lost, no fingerprint with two issues, no finding in two digests, at most the
 * one write in flight repeated. On sqlite (one file) and on Firestore (a project on the emulator).
 */
async function holderKilledMidRun(name: string, state: ScenarioState): Promise<void> {
  const scenario = await Scenario.start({
    name,
    count: COUNT,
    emulatorHost: emulatorHost(),
    env: { ...PACED, ...SHORT_LEASES },
    state,
  });
  try {
    const workers = await scenario.startWorkers(2);
    await scenario.publish();
    // Mid-run: some issues exist and the holder is writing the rest, one a second.
    await untilIssues(scenario, 15);
    const holder = workers.find((w) => /"target":"github[^"]*","leased":true/.test(w.output()));
    expect(holder, 'one worker holds the GitHub dispatcher lease').toBeDefined();
    const survivor = workers.find((w) => w !== holder)!;
    holder!.kill('SIGKILL');
    expect(await holder!.exited).toBe('SIGKILL');
    const killed = Date.now();
    await scenario.startWorkers(1);
    const republished = await scenario.redeliverWhenStalled(15_000, 200_000, { neverSettled: true });
    await scenario.waitForAll(30_000);
    expect(await scenario.stopWorkers()).toEqual([0, 0]);
    const { report, figures } = await scenario.judge();
    expectInvariants(report, scenario, figures);
    // Another worker took the GitHub lease over (the survivor or the fresh one).
    const takeover = scenario.workers
      .filter((w) => w !== holder)
      .some((w) => /"target":"github[^"]*","leased":true/.test(w.output()));
    expect(takeover).toBe(true);
    expect(report.repeats.slackDigests + report.repeats.githubWrites).toBeLessThanOrEqual(1);
    console.info(
      `[shared-state kill, ${state.backend}] killed the GitHub holder at ${seconds(killed - scenario.started)}; survivor ${survivor.name}; ` +
        `last ack ${seconds(figures.lastAckMs)}, last GitHub write ${seconds(figures.lastGithubWriteMs)}, settled ${seconds(figures.settledMs)}; ` +
        `${figures.slack.accepted} Slack digests, ${figures.github.issues} issues, GitHub min gap ${figures.pace.githubMinGapUnexplainedMs} ms; ` +
        `repeats ${JSON.stringify(report.repeats)}; leases taken ${figures.workerLogs.leasesTaken}; ${republished} published again; notes: ${report.notes.join(' | ')}`,
    );
  } finally {
    await scenario.saveLogs(logsDir(scenario.opts.name)).catch(() => undefined);
    await scenario.close();
  }
}

describe('shared state across worker processes (issues 5, 14)', () => {
  it('two workers on one subscription and one sqlite file: 2,000 findings, one paced dispatcher per target', async () => {
    const scenario = await Scenario.start({
      name: 'shared',
      count: COUNT,
      emulatorHost: emulatorHost(),
      env: PACED,
    });
    try {
      const [w1, w2] = await scenario.startWorkers(2);
      await scenario.publish();
      const republished = await scenario.redeliverWhenStalled(15_000, 200_000);
      await scenario.waitForAll(30_000);
      expect(await scenario.stopWorkers()).toEqual([0, 0]);
      const { report, figures } = await scenario.judge();
      expectInvariants(report, scenario, figures);
      // Both took messages in; exactly one dispatched each target at a time (never both at once:
      // the pace checks above would see it), and nothing was repeated.
      for (const w of [w1!, w2!]) expect(w.output()).toMatch(/"outcome":"queued"/);
      expect(report.repeats).toEqual({ slackDigests: 0, githubWrites: 0 });
      expect(figures.workerLogs.nacked).toBe(0);
      console.info(
        `[shared-state] ${COUNT} findings: last ack ${seconds(figures.lastAckMs)}, last GitHub write ${seconds(figures.lastGithubWriteMs)}, settled ${seconds(figures.settledMs)}; ` +
          `${figures.slack.accepted} Slack digests (min gap ${figures.pace.slackMinGapMs} ms), ${figures.github.issues} issues, ${figures.pace.githubWrites} GitHub writes (min gap ${figures.pace.githubMinGapMs} ms as stamped, ${figures.pace.githubMinGapUnexplainedMs} ms not explained by a stall here), ` +
          `${figures.workerLogs.redelivered} redelivered, ${republished} published again`,
      );
    } finally {
      await scenario.saveLogs(logsDir(scenario.opts.name)).catch(() => undefined);
      await scenario.close();
    }
  }, 300_000);

  it(
    'the GitHub dispatcher holder is SIGKILLed mid-run: another worker takes over, nothing lost, at most one write repeated',
    () => holderKilledMidRun('shared-kill', { backend: 'sqlite' }),
    300_000,
  );
});

/**
 * The same on the fleet backend (issue 15): the workers share a Firestore project on the real
 * emulator instead of a file. Only the kill run (it also covers two workers sharing the load and
 * the one paced dispatcher per target): each run costs ~1.5 min of GitHub pace.
 */
describe('shared state across worker processes on Firestore (issue 15)', () => {
  const firestore = useFirestoreEmulator();
  it(
    'the GitHub dispatcher holder is SIGKILLed mid-run, a third worker started: nothing lost, no fingerprint with two issues, no finding in two digests',
    () => holderKilledMidRun('shared-kill-firestore', firestore.state()),
    300_000,
  );
});
