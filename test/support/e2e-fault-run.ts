import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveFigures } from './e2e-fault-summary.js';
import type { InvariantReport } from './e2e-invariants.js';
import { Scenario, type ScenarioFigures, type ScenarioOptions } from './e2e-scenario.js';
import type { Env } from './relay-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Short leases for the kill scenarios (their minimum, 5 s): CLAIM_LEASE_MS is the dispatcher
 * lease (30 s in production), so a SIGKILLed holder's dispatcher is taken over by another worker
 * 5 s after its last renewal; GITHUB_CREATE_LEASE_MS (120 s) the claim on creating one issue.
 */
export const SHORT_LEASES: Env = { CLAIM_LEASE_MS: '5000', GITHUB_CREATE_LEASE_MS: '5000' };

export interface FaultPlan extends Omit<ScenarioOptions, 'count' | 'emulatorHost'> {
  readonly count?: number;
  readonly emulatorHost: string;
  /** Worker processes started before publishing. Default 1. */
  readonly workers?: number;
  /** Runs once the corpus is published, while the workers work: the fault, then its end. */
  readonly inject: (scenario: Scenario) => Promise<void>;
  /**
   * Start `inject` as publishing starts instead of after it (a fault that must hit intake: the
   * workers ack about as fast as the test publishes, so intake is done when publishing is).
   */
  readonly injectWhilePublishing?: boolean;
  /** Bound for the whole corpus to finish after the fault. */
  readonly timeoutMs: number;
  /**
   * Publish again what stalls already WHILE the fault runs (kill scenarios: the emulator keeps a
   * killed worker's messages, and the next kill point may wait for progress they hold up).
   */
  readonly rescueDuringFault?: boolean;
}

export interface FaultResult {
  readonly report: InvariantReport;
  readonly figures: ScenarioFigures;
  /** Exit codes of the workers alive at the end (SIGTERM → 0 expected). */
  readonly exitCodes: Array<number | string>;
  readonly scenario: Scenario;
}

/**
 * One row of the fault matrix: start workers, publish the corpus, inject the fault, wait until
 * every finding is settled or dead-lettered, stop the workers with SIGTERM, judge, record figures.
 */
export async function runFaultScenario(plan: FaultPlan): Promise<FaultResult> {
  const scenario = await Scenario.start({ ...plan, count: plan.count ?? 2_000 });
  try {
    await scenario.startWorkers(plan.workers ?? 1);
    const early = plan.injectWhilePublishing ? plan.inject(scenario) : undefined;
    early?.catch(() => undefined); // awaited below
    await scenario.publish();
    // The emulator fails to redeliver some nacked messages and those of a killed worker: after the
    // fault, whatever stalls with a redelivery owed is published again (counted as `republished`).
    const faultDone = new AbortController();
    const rescuer = plan.rescueDuringFault
      ? scenario.redeliverWhenStalled(15_000, plan.timeoutMs, { stop: faultDone.signal, neverSettled: true })
      : Promise.resolve(0);
    try {
      await (early ?? plan.inject(scenario));
    } finally {
      faultDone.abort();
      await rescuer;
    }
    await scenario.redeliverWhenStalled(15_000, plan.timeoutMs, {
      neverSettled: plan.rescueDuringFault ?? false,
    });
    await scenario.waitForAll(plan.timeoutMs);
    const exitCodes = await scenario.stopWorkers();
    const { report, figures } = await scenario.judge();
    saveFigures(figures);
    console.info(
      `[${plan.name}] ${JSON.stringify({ ...figures, workerLogs: undefined })}\n` +
        `  worker logs: ${JSON.stringify(figures.workerLogs)}\n` +
        `  violations (${report.violations.length}): ${report.violations.slice(0, 20).join('\n    ')}\n` +
        `  notes (${report.notes.length}): ${report.notes.slice(0, 10).join('\n    ')}`,
    );
    return { report, figures, exitCodes, scenario };
  } finally {
    await scenario.saveLogs(join(root, 'test-artifacts', 'faults', 'logs', plan.name)).catch(() => undefined);
    await scenario.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the GitHub stand-in holds at least `n` issues (the run is that far along). */
export async function untilIssues(scenario: Scenario, n: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const count = () => scenario.repos.reduce((sum, repo) => sum + scenario.github.issues(repo).length, 0);
  while (count() < n) {
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${n} issues after ${timeoutMs} ms`);
    await sleep(50);
  }
}
