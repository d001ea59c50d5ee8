import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SANDBOX_VARIABLES } from '../../docker/sandbox.js';
import { parseDlqArgs } from '../../src/cli/dlq.js';
import { MAX_DELIVERY_ATTEMPTS_REASON } from '../../src/dlq/dead-letter-record.js';
import { unknownVariables } from './known-variables.js';
import { hcl } from './terraform-files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = {
  runbook: 'docs/runbook.md',
  triage: 'docs/dead-letter-triage.md',
  compose: 'docs/docker-compose.md',
  terraform: 'infra/terraform/README.md',
} as const;
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

/** docs/contract.md §6. */
const COMMANDS = ['worker', 'setup', 'publish', 'check', 'dlq', 'ledger', 'smoke'];
/** docs/contract.md §5, plus the name `dlq` gives what Pub/Sub's own policy dead-lettered. */
const DEAD_LETTER_REASONS = [
  'invalid-json',
  'invalid-schema',
  'too-large',
  'permanent-slack',
  'permanent-github',
  MAX_DELIVERY_ATTEMPTS_REASON,
];

/** Names shaped like finding-relay's variables (a typo like SLACK_ENABLE_PRODUCTION matches too). */
const VARIABLE_LIKE =
  /\b(?:SLACK|GITHUB|PUBSUB|STORAGE|DEPLOYMENT|FINDINGS|DEAD_LETTER|MAX_DELIVERY|DEDUPE|LOG|HTTP|GOOGLE|DRY|SANDBOX|NODE)_[A-Z0-9_]*[A-Z0-9]\b/g;

describe('operator docs name only real things', () => {
  it.each(Object.entries(DOCS))('%s names only known variables', (_, path) => {
    const names = new Set(read(path).match(VARIABLE_LIKE) ?? []);
    expect(names.size).toBeGreaterThan(0);
    expect(unknownVariables(names, SANDBOX_VARIABLES)).toEqual([]);
  });

  it.each(Object.entries(DOCS))('%s runs only finding-relay commands of the contract', (_, path) => {
    // As typed: `npx finding-relay X`, `docker compose exec worker finding-relay X`, or in backticks.
    // `finding-relay starting` is the worker's start-up log line, quoted in log queries.
    const used = [...read(path).matchAll(/(?:npx |exec worker |`)finding-relay ([a-z]+)/g)]
      .map((m) => m[1]!)
      .filter((word) => word !== 'starting');
    expect(used.filter((command) => !COMMANDS.includes(command))).toEqual([]);
  });

  it('every `finding-relay dlq …` line in the docs parses with the real dlq arguments', () => {
    const lines = Object.values(DOCS).flatMap((path) =>
      [...read(path).matchAll(/finding-relay dlq ([^\n`#]*)/g)].map((m) => m[1]!.trim()),
    );
    expect(lines.length).toBeGreaterThanOrEqual(10);
    for (const line of lines) {
      expect(() => parseDlqArgs(line.split(/\s+/)), line).not.toThrow();
    }
  });
});

describe('docs/dead-letter-triage.md', () => {
  const triage = read(DOCS.triage);

  it('explains every dead-letter reason in its table', () => {
    for (const reason of DEAD_LETTER_REASONS) expect(triage).toMatch(new RegExp(`^\\| \`${reason}\``, 'm'));
  });

  it('walks stats → list → fix → replay or purge', () => {
    const order = ['## 1. Stats', '## 2. List', '## 3. Fix', '## 4a. Replay', '## 4b. Purge'].map((h) =>
      triage.indexOf(h),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe('docs/runbook.md', () => {
  const runbook = read(DOCS.runbook);

  it('gives the emergency off switch as a gcloud command on the service Terraform creates', () => {
    expect(runbook).toContain('gcloud run services update finding-relay');
    expect(runbook).toContain('--update-env-vars SLACK_NOTIFICATIONS_ENABLED=false');
    expect(runbook).toMatch(/read once, at start/);
  });

  it('uses the check job Terraform creates, and `finding-relay check`', () => {
    expect(runbook).toContain('gcloud run jobs execute finding-relay-check');
    expect(read('infra/terraform/cloud_run.tf')).toContain(
      `name                = "${hcl('var.service_name')}-check"`,
    );
    expect(read('infra/terraform/variables.tf')).toMatch(
      /variable "service_name"[^}]*default\s*=\s*"finding-relay"/,
    );
    expect(runbook).toContain('npx finding-relay check');
  });

  it('goes dev → staging → prod with Slack-only 3a before GitHub-real 3b, and hold points', () => {
    const at = (text: string) => runbook.indexOf(text);
    const phases = [
      '## Phase 1 — dev',
      '## Phase 2 — staging',
      '### Phase 3a — Slack only',
      '### Phase 3b — GitHub real',
    ];
    expect(phases.map(at).every((i) => i >= 0)).toBe(true);
    expect([...phases.map(at)].sort((a, b) => a - b)).toEqual(phases.map(at));
    expect(runbook.match(/\*\*HOLD \d\*\*/g)).toHaveLength(4);
  });
});

describe('docs/docker-compose.md', () => {
  const doc = read(DOCS.compose);

  it('says what to look at: worker logs, the status page, the sandbox and the ledger', () => {
    expect(doc).toContain('docker compose logs -f worker');
    expect(doc).toContain('http://localhost:8080/');
    expect(doc).toContain('docker compose logs -f sandbox');
    expect(doc).toContain('finding-relay ledger show');
  });
});
