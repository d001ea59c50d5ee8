import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioFigures } from './e2e-scenario.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Each fault scenario writes its figures here (one JSON file per scenario). */
export const FAULT_FIGURES_DIR = join(root, 'test-artifacts', 'faults');
export const FAULT_SUMMARY_FILE = join(root, 'test-artifacts', 'faults-summary.json');

export function saveFigures(figures: ScenarioFigures): void {
  mkdirSync(FAULT_FIGURES_DIR, { recursive: true });
  writeFileSync(join(FAULT_FIGURES_DIR, `${figures.scenario}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : (ms / 1000).toFixed(1));

function sumWhere(counts: Record<string, number>, test: (key: string) => boolean): number {
  return Object.entries(counts)
    .filter(([k]) => test(k))
    .reduce((n, [, v]) => n + v, 0);
}

/**
 * The summary table: one line per scenario. `nacks`: messages intake handed back to Pub/Sub (only
 * a state store down past the bounded wait should cost any now); `outbox retries`: transient
 * Slack/GitHub failures a dispatcher retried from the outbox; `repeats`: digests + GitHub writes
 * repeated after a crash / SIGKILLs (at most one per kill is allowed); `last ack` vs `last gh
 * write`: intake acks at Pub/Sub's speed, long before GitHub's pace has written the last issue.
 */
export function renderSummary(rows: readonly ScenarioFigures[]): string {
  const header = [
    'scenario',
    'findings',
    'slack sent/dup',
    'github sent/dup',
    'dead letters',
    'redelivered',
    'nacks',
    'outbox retries',
    'repeats',
    'slack fail',
    'gh fail',
    'last ack s',
    'last gh write s',
    'settled s',
    'recover s',
    'drain s',
    'violations',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.findings),
    `${r.outcomes['slack:sent'] ?? 0}/${r.outcomes['slack:dropped:duplicate'] ?? 0}`,
    `${r.outcomes['github:sent'] ?? 0}/${r.outcomes['github:dropped:duplicate'] ?? 0}`,
    `${sumWhere(r.deadLetters, () => true)}${
      Object.keys(r.deadLetters).length
        ? ` (${Object.entries(r.deadLetters)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }`,
    String(r.workerLogs.redelivered),
    String(r.workerLogs.nacked),
    String(r.workerLogs.dispatchRetries ?? 0),
    `${r.repeats?.slackDigests ?? 0}+${r.repeats?.githubWrites ?? 0}/${r.workersKilled ?? 0}`,
    String(r.slack.received - r.slack.accepted),
    String(r.github.failedRequests),
    seconds(r.lastAckMs),
    seconds(r.lastGithubWriteMs),
    seconds(r.settledMs),
    seconds(r.recoverMs),
    seconds(r.drainAfterFaultMs),
    String(r.violations),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

/** vitest globalSetup: clears old figures, and after the run prints and saves the summary. */
export default function setup(): () => void {
  rmSync(FAULT_FIGURES_DIR, { recursive: true, force: true });
  return () => {
    let files: string[] = [];
    try {
      files = readdirSync(FAULT_FIGURES_DIR).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    const rows = files.map(
      (f) => JSON.parse(readFileSync(join(FAULT_FIGURES_DIR, f), 'utf8')) as ScenarioFigures,
    );
    writeFileSync(FAULT_SUMMARY_FILE, `${JSON.stringify(rows, null, 2)}\n`);
    console.info(`\nFault matrix (${FAULT_SUMMARY_FILE}):\n${renderSummary(rows)}\n`);
  };
}
