import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testFindingInput } from '../finding/test-findings.js';
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
      JSON.stringify(testFindingInput({ id: 'sample-1', severity: 'low', repo: 'other/x' })),
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

  describe('routes (ROUTES_FILE)', () => {
    const routedSecret = 'https://hooks.example.test/services/T1/B2/routed-secret-value';
    async function routed(env: Record<string, string>, args: string[] = []) {
      const dir = await mkdtemp(join(tmpdir(), 'check-routes-'));
      await writeFile(
        join(dir, 'routes.yaml'),
        [
          'routes:',
          '  - name: secrets',
          '    match: ["agent=secret-scanner"]',
          '    slack: { webhook: SECURITY, minSeverity: high }',
          '    github: { repo: acme/security-triage }',
          '  - name: elsewhere',
          '    match: ["agent=x"]',
          '    github: { repo: other/triage }',
        ].join('\n'),
      );
      await writeFile(
        join(dir, 'f.json'),
        JSON.stringify(
          testFindingInput({
            id: 'routed-1',
            source: { agent: 'secret-scanner' },
            severity: 'critical',
            repo: 'acme/web',
          }),
        ),
      );
      const base = {
        DEPLOYMENT_ENV: 'dev',
        ROUTES_FILE: 'routes.yaml',
        SLACK_NOTIFICATIONS_ENABLED: 'true',
        SLACK_WEBHOOK_URL: webhook,
        GITHUB_ISSUE_CREATION_ENABLED: 'true',
        GITHUB_REPO_ALLOWLIST: 'acme/*',
        STATE_URI: `sqlite://${join(dir, 'state.db')}`,
      };
      const t = testIO({ ...base, ...env }, { cwd: dir });
      const code = await runCheck(args, t.io);
      return { code, out: t.stdout() };
    }

    it('lists each route with its webhook secret by name and status, never the URL', async () => {
      const { code, out } = await routed({ SLACK_WEBHOOK_URL_SECURITY: routedSecret }, ['--json']);
      const report = JSON.parse(out);
      expect(code).toBe(0);
      expect(report.routes).toMatchObject({
        status: 'ENABLED',
        routes: [
          {
            name: 'secrets',
            match: ['agent=secret-scanner'],
            slack: { webhook: 'SECURITY', secret: 'SLACK_WEBHOOK_URL_SECURITY', status: 'ENABLED' },
            github: { repo: 'acme/security-triage', allowlisted: true },
          },
          { name: 'elsewhere', slack: 'default', github: { repo: 'other/triage', allowlisted: false } },
        ],
      });
      expect(report.warnings.join('\n')).toContain('route "elsewhere" sends GitHub findings to other/triage');
      expect(out).not.toContain('routed-secret-value');
    });

    it('a routed webhook whose secret is unset is MISCONFIGURED (exit 1 with --strict)', async () => {
      const json = await routed({}, ['--json']);
      const report = JSON.parse(json.out);
      expect(report.routes.status).toBe('MISCONFIGURED');
      expect(report.routes.routes[0].slack).toMatchObject({ status: 'MISCONFIGURED' });
      expect(report.misconfigured).toBe(true);
      expect((await routed({}, ['--strict'])).code).toBe(1);
      // Slack off in this environment: the unset secret does not matter.
      expect(
        JSON.parse((await routed({ SLACK_NOTIFICATIONS_ENABLED: 'false' }, ['--json'])).out).routes.status,
      ).toBe('ENABLED');
    });

    it('--finding shows the route a finding takes and where each channel sends it', async () => {
      const { out } = await routed({ SLACK_WEBHOOK_URL_SECURITY: routedSecret }, [
        '--json',
        '--finding',
        'f.json',
      ]);
      expect(JSON.parse(out).route.channels).toEqual({
        slack: { decision: 'deliver', route: 'secrets', webhook: 'SECURITY' },
        github: { decision: 'dry-run', route: 'secrets', repo: 'acme/security-triage' },
      });
      const text = (await routed({ SLACK_WEBHOOK_URL_SECURITY: routedSecret }, ['--finding', 'f.json'])).out;
      expect(text).toContain('slack   deliver  [route "secrets": webhook SECURITY]');
      expect(text).toMatch(/1\. secrets {2}match agent=secret-scanner/);
    });

    it('a malformed routes file is MISCONFIGURED with every problem named', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'check-routes-bad-'));
      await writeFile(
        join(dir, 'routes.yaml'),
        'routes:\n  - name: a\n    match: ["nope"]\n    slack: { webhook: x }\n',
      );
      const t = testIO({ DEPLOYMENT_ENV: 'dev', ROUTES_FILE: 'routes.yaml' }, { cwd: dir });
      expect(await runCheck(['--strict'], t.io)).toBe(1);
      expect(t.stdout()).toContain('routes: MISCONFIGURED');
      expect(t.stdout()).toContain('route 1 "a": match[0]: matcher "nope"');
      expect(t.stdout()).toContain('route 1 "a": slack.webhook:');
    });
  });

  describe('where the GitHub token travels (GITHUB_API_URL)', () => {
    const prodReal = {
      DEPLOYMENT_ENV: 'prod',
      GITHUB_ISSUE_CREATION_ENABLED: 'true',
      GITHUB_ENABLE_PROD: 'true',
      DRY_RUN: 'false',
      GITHUB_TOKEN: 'ghp_checktokenvalue0123456789',
      GITHUB_REPO_ALLOWLIST: 'acme/*',
      STATE_URI: 'sqlite:///var/lib/finding-relay/state.db',
      STORAGE_URI: 'gs://relay-prod/ledger',
    };

    it('refuses plain http off loopback: MISCONFIGURED, and --strict exits 1', async () => {
      for (const url of [
        'http://ghes.corp.example/api/v3',
        'http://10.0.0.7:8080',
        'http://api.github.com',
      ]) {
        const { code, report } = await checkJson({ ...prodReal, GITHUB_API_URL: url }, ['--strict']);
        expect(code, url).toBe(1);
        expect(report.github.status, url).toBe('MISCONFIGURED');
        expect(
          report.configIssues.map((i: { variable: string }) => i.variable),
          url,
        ).toEqual(['GITHUB_API_URL']);
      }
    });

    it('still accepts plain http to a loopback test server', async () => {
      const { report } = await checkJson({ ...prodReal, GITHUB_API_URL: 'http://127.0.0.1:4010' });
      expect(report.configIssues).toEqual([]);
    });

    it('warns, naming the host, when the token goes anywhere but api.github.com', async () => {
      const ghes = await checkJson({ ...prodReal, GITHUB_API_URL: 'https://ghes.corp.example/api/v3' }, [
        '--strict',
      ]);
      expect(ghes.code).toBe(0);
      expect(ghes.report.warnings.filter((w: string) => w.includes('ghes.corp.example'))).toHaveLength(1);
      const github = await checkJson({ ...prodReal, GITHUB_API_URL: 'https://api.github.com' });
      expect(github.report.warnings.join('\n')).not.toMatch(/GITHUB_TOKEN is sent to/);
      const t = testIO({ ...prodReal, GITHUB_API_URL: 'https://ghes.corp.example/api/v3' });
      await runCheck([], t.io);
      expect(t.stdout()).toMatch(/GITHUB_TOKEN is sent to ghes\.corp\.example/);
    });

    it('refuses a credential anywhere in the URL and shows such a value by name only', async () => {
      const secret = 'ghp_querysecret0123456789abcdef';
      for (const url of [
        `https://api.github.com/?access_token=${secret}`,
        `https://api.github.com/#${secret}`,
        `https://x-access-token:${secret}@ghes.corp.example/api/v3`,
        `https://ghes.corp.example/${secret}/api/v3`,
      ]) {
        for (const args of [[], ['--json']]) {
          const t = testIO({ ...prodReal, GITHUB_API_URL: url });
          expect(await runCheck([...args, '--strict'], t.io), url).toBe(1);
          expect(t.stdout(), url).toContain('GITHUB_API_URL');
          expect(t.stdout(), url).not.toContain(secret.slice(4, 16));
        }
      }
    });
  });

  it('refuses an unknown option with a usage error', async () => {
    await expect(runCheck(['--jsn'], testIO({}).io)).rejects.toBeInstanceOf(UsageError);
  });
});
