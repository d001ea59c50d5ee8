import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emulatorHost, uniqueNames } from '../support/pubsub-fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run dev', () => {
  it('creates what it needs, runs the examples to their outcomes and prints one line per finding', async () => {
    const names = uniqueNames('dev');
    const cwd = await mkdtemp(join(tmpdir(), 'relay-dev-'));
    const child = spawn(`${root}node_modules/.bin/tsx`, [`${root}scripts/dev.ts`, '--exit-when-settled'], {
      cwd,
      env: {
        PATH: process.env.PATH,
        PUBSUB_EMULATOR_HOST: emulatorHost(),
        PORT: '0',
        FINDINGS_TOPIC: names.findingsTopic,
        FINDINGS_SUBSCRIPTION: names.findingsSubscription,
        DEAD_LETTER_TOPIC: names.deadLetterTopic,
        DEAD_LETTER_SUBSCRIPTION: names.deadLetterSubscription,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);

    const examples = (await readFile(`${root}examples/findings.jsonl`, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id: string });
    for (const { id } of examples)
      expect(output).toMatch(
        new RegExp(`${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: slack=\\S+ github=\\S+ → ack`),
      );
    expect(output).toContain('all examples settled.');
    expect(output).toMatch(/\[slack sandbox\] \[DEV\] /);
    // The dev ledger lands under the working directory, as .env.example says.
    expect(output).toContain(
      `ledger: file://${cwd}/.finding-relay  state: sqlite://${cwd}/.finding-relay/state.db`,
    );

    // `ledger show` renders what GitHub dry-run would have created, from the same store.
    const ledger = spawnSync(
      `${root}node_modules/.bin/tsx`,
      [`${root}src/main.ts`, 'ledger', 'show', '--json'],
      {
        cwd,
        env: { PATH: process.env.PATH, DEPLOYMENT_ENV: 'dev' },
        encoding: 'utf8',
      },
    );
    expect(ledger.status, ledger.stderr).toBe(0);
    const shown = JSON.parse(ledger.stdout) as { records: Array<{ findingId: string; action: string }> };
    const dryRuns = output.split('\n').filter((l) => l.includes('github=dry-run'));
    expect(shown.records.filter((r) => r.action === 'create-issue')).toHaveLength(dryRuns.length);
    for (const r of shown.records) expect(output).toContain(`${r.findingId}: `);
  }, 90_000);
});
