import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(`${root}node_modules/.bin/tsx`, [`${root}src/main.ts`, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the finding-relay command line', () => {
  it('prints usage for no command (stderr, exit 2), --help (exit 0) and an unknown command (exit 2)', () => {
    const bare = run([]);
    expect(bare).toMatchObject({ code: 2, out: '' });
    expect(bare.err).toContain('Usage: finding-relay <command>');
    const help = run(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['worker', 'setup', 'publish', 'check', 'dlq', 'ledger'])
      expect(help.out).toContain(`  ${name}`);
    const unknown = run(['wrker']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "wrker"');
  });

  it("prints a command's full help (dlq replay --help) and the version, exit 0", () => {
    const help = run(['dlq', 'replay', '--help']);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toContain('republishes valid findings to FINDINGS_TOPIC');
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    expect(run(['--version'])).toMatchObject({ code: 0, out: `${version}\n` });
  });

  it('prints the command usage for a bad argument, with exit 2', () => {
    const r = run(['check', '--jsn']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: finding-relay check');
  });

  it('refuses to start the worker on a bad configuration, naming every bad variable but no secret', () => {
    const r = run(['worker'], {
      DEPLOYMENT_ENV: 'qa',
      DRY_RUN: 'ture',
      SLACK_WEBHOOK_URL: 'http://hooks.example.test/services/leaky-secret-path',
    });
    expect(r.code).toBe(78);
    expect(r.err).toContain('DEPLOYMENT_ENV');
    expect(r.err).toContain('"qa"');
    expect(r.err).toContain('DRY_RUN');
    expect(r.err).toContain('SLACK_WEBHOOK_URL');
    expect(r.err + r.out).not.toContain('leaky-secret-path');
  });

  it('check --json exits 0 on a bad configuration and shows MISCONFIGURED', () => {
    const r = run(['check', '--json'], { DEPLOYMENT_ENV: 'qa' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ environment: 'prod', slack: { status: 'MISCONFIGURED' } });
    expect(run(['check', '--strict'], { DEPLOYMENT_ENV: 'qa' }).code).toBe(1);
  });
});
