import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { resolveModes } from '../policy/decide-channels.js';
import { UsageError } from './io.js';
import { matches, planSmoke, runSmoke } from './smoke.js';
import { testIO } from './test-io.js';

const modesFor = (env: Record<string, string>) =>
  resolveModes(
    loadConfig({ DEPLOYMENT_ENV: 'dev', STORAGE_URI: 'file:///tmp/s', ...env }, { cwd: '/tmp' }).config,
  );

const github = { GITHUB_ISSUE_CREATION_ENABLED: 'true', GITHUB_REPO_ALLOWLIST: 'acme/*,acme/web,other/tool' };
const real = { ...github, DRY_RUN: 'false', GITHUB_TOKEN: 'ghp_x' };
const plan = (env: Record<string, string>, extra: { repo?: string; allowReal?: boolean } = {}) =>
  planSmoke(modesFor(env), { id: 'smoke-1-ab', now: 0, allowReal: false, ...extra });

describe('planSmoke', () => {
  it('marks the finding as a smoke test and targets the first allowlisted repo without a wildcard', () => {
    const p = plan(github);
    expect(p.finding).toMatchObject({
      id: 'smoke-1-ab',
      source: { agent: 'finding-relay-smoke' },
      labels: ['smoke-test'],
      repo: 'acme/web',
      fingerprint: 'smoke-1-ab',
      severity: 'info',
    });
    expect(p.finding.title.startsWith('[smoke test]')).toBe(true);
    expect(Object.fromEntries(p.expected)).toEqual({
      slack: { kind: 'dropped', reason: 'mode-disabled' },
      github: { kind: 'dry-run' },
    });
    expect(p.notes).toEqual([]);
  });

  it('never targets a repo when GitHub is REAL, unless allowed', () => {
    const p = plan(real);
    expect(p.finding.repo).toBeUndefined();
    expect(p.expected.get('github')).toEqual({ kind: 'dropped', reason: 'no-repo' });
    expect(p.notes.join()).toContain('--allow-real');
    const allowed = plan(real, { allowReal: true, repo: 'acme/api' });
    expect(allowed.finding.repo).toBe('acme/api');
    expect(allowed.expected.get('github')).toEqual({ kind: 'sent' });
  });

  it('predicts not-allowlisted and no-repo, and picks a severity every floor lets through', () => {
    expect(plan(github, { repo: 'stranger/repo' }).expected.get('github')).toEqual({
      kind: 'dropped',
      reason: 'not-allowlisted',
    });
    const none = plan({ ...github, GITHUB_REPO_ALLOWLIST: 'acme/*' });
    expect(none.finding.repo).toBeUndefined();
    expect(none.notes.join()).toContain('no-repo');
    const floors = plan({ ...github, SLACK_MIN_SEVERITY: 'medium', GITHUB_MIN_SEVERITY: 'high' });
    expect(floors.finding.severity).toBe('high');
    expect(floors.expected.get('github')).toEqual({ kind: 'dry-run' });
  });
});

describe('matches', () => {
  it('compares kind, and reason for drops', () => {
    expect(matches({ kind: 'dry-run' }, { kind: 'dry-run', ledgerKey: 'k' })).toBe(true);
    expect(matches({ kind: 'sent' }, { kind: 'dry-run', ledgerKey: 'k' })).toBe(false);
    expect(matches({ kind: 'dropped', reason: 'no-repo' }, { kind: 'dropped', reason: 'no-repo' })).toBe(
      true,
    );
    expect(matches({ kind: 'dropped', reason: 'no-repo' }, { kind: 'dropped', reason: 'duplicate' })).toBe(
      false,
    );
    expect(matches({ kind: 'sent' }, undefined)).toBe(false);
  });
});

describe('runSmoke arguments', () => {
  const { io } = testIO({ DEPLOYMENT_ENV: 'dev' });
  it.each([
    [['--timeout', 'soon'], /--timeout/],
    [['--timeout', '0s'], /--timeout/],
    [['--url', 'not a url'], /--url/],
    [['--url', 'ftp://host/'], /--url/],
    [['--bogus'], /bogus/],
    [['extra'], /extra/],
    [['--repo', 'no-slash'], /smoke finding is invalid/],
  ])('%j is a usage error', async (args, message) => {
    await expect(runSmoke(args, io)).rejects.toThrow(UsageError);
    await expect(runSmoke(args, io)).rejects.toThrow(message);
  });
});
