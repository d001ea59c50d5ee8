import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from './check.js';
import { UsageError } from './io.js';
import { testIO } from './test-io.js';

async function checkJson(env: Record<string, string>, args: string[] = []) {
  const t = testIO(env);
  const code = await runCheck(['--json', ...args], t.io);
  return { code, report: JSON.parse(t.stdout()) };
}

const webhook = 'https://hooks.example.test/services/T1/B1/check-secret-value';

describe('finding-relay check', () => {
  it('prints the contract fields for the current environment and the matrix', async () => {
    const { code, report } = await checkJson({
      DEPLOYMENT_ENV: 'staging',
      SLACK_NOTIFICATIONS_ENABLED: 'true',
      SLACK_WEBHOOK_URL: webhook,
      SLACK_ENABLE_STAGING: 'true',
      GITHUB_ISSUE_CREATION_ENABLED: 'true',
      GITHUB_REPO_ALLOWLIST: 'acme/*',
      STORAGE_URI: 'gs://relay-staging/ledger',
    });
    expect(code).toBe(0);
    expect(report).toMatchObject({
      environment: 'staging',
      slack: { mode: 'ENABLED', status: 'ENABLED' },
      github: { mode: 'DRY_RUN', status: 'DRY_RUN' },
      storage: { status: 'ENABLED' },
      matrix: {
        dev: { slack: { mode: 'ENABLED' }, github: { mode: 'DRY_RUN' } },
        staging: { slack: { mode: 'ENABLED' }, github: { mode: 'DRY_RUN' } },
        prod: { slack: { mode: 'DISABLED' }, github: { mode: 'DISABLED' } },
      },
    });
    expect(Array.isArray(report.warnings)).toBe(true);
    expect(JSON.stringify(report)).not.toContain('check-secret-value');
  });

  it('reports a bad value as MISCONFIGURED, names it, and still exits 0 (1 with --strict)', async () => {
    const env = { DEPLOYMENT_ENV: 'qa', DRY_RUN: 'ture' };
    const { code, report } = await checkJson(env);
    expect(code).toBe(0);
    expect(report.environment).toBe('prod');
    expect(report.github.status).toBe('MISCONFIGURED');
    expect(report.slack.status).toBe('MISCONFIGURED');
    expect(report.configIssues.map((i: { variable: string }) => i.variable).sort()).toEqual([
      'DEPLOYMENT_ENV',
      'DRY_RUN',
    ]);
    expect(JSON.stringify(report.configIssues)).toContain('ture');
    expect((await checkJson(env, ['--strict'])).code).toBe(1);
  });

  it('warns when DEPLOYMENT_ENV is unset and fails closed to prod', async () => {
    const t = testIO({ SLACK_NOTIFICATIONS_ENABLED: 'true', SLACK_WEBHOOK_URL: webhook });
    expect(await runCheck([], t.io)).toBe(0);
    expect(t.stdout()).toContain('DEPLOYMENT_ENV unset: treated as prod');
    expect(t.stdout()).toContain('prod requires SLACK_ENABLE_PROD=true');
    expect(t.stdout()).not.toContain('check-secret-value');
  });

  it('routes a sample finding with --finding and says why each channel decides', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'check-'));
    const file = join(dir, 'f.json');
    await writeFile(
      file,
      JSON.stringify({
        schemaVersion: 1,
        id: 'sample-1',
        source: { agent: 'a' },
        severity: 'low',
        title: 't',
        repo: 'other/x',
        occurredAt: '2026-11-26T00:00:00Z',
      }),
    );
    const { report } = await checkJson(
      { DEPLOYMENT_ENV: 'dev', GITHUB_ISSUE_CREATION_ENABLED: 'true', GITHUB_REPO_ALLOWLIST: 'acme/*' },
      ['--finding', file],
    );
    expect(report.route).toEqual({
      ok: true,
      findingId: 'sample-1',
      channels: {
        slack: { decision: 'drop', reason: 'mode-disabled' },
        github: { decision: 'drop', reason: 'not-allowlisted' },
      },
    });
  });

  it('refuses an unknown option with a usage error', async () => {
    await expect(runCheck(['--jsn'], testIO({}).io)).rejects.toBeInstanceOf(UsageError);
  });
});
