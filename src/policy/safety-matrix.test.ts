import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentEnv } from '../config/types.js';
import { decideChannels, type ResolvedModes } from './decide-channels.js';
import {
  isRepoAllowlisted,
  type MatrixInput,
  resolveGitHubMode,
  resolveSlackMode,
  resolveState,
  resolveStorage,
} from './safety-matrix.js';

interface Flags {
  slackOn?: boolean;
  webhook?: boolean;
  slackStaging?: boolean;
  slackProd?: boolean;
  githubOn?: boolean;
  token?: boolean;
  dryRun?: boolean;
  githubStaging?: boolean;
  githubProd?: boolean;
  storage?: string;
  state?: string;
}

function input(f: Flags): MatrixInput {
  return {
    slack: {
      notificationsEnabled: f.slackOn ?? false,
      webhookUrl: f.webhook ? 'https://hooks.example.test/services/secret' : undefined,
      enableStaging: f.slackStaging ?? false,
      enableProd: f.slackProd ?? false,
      envLabel: undefined,
      routeWebhooks: {},
      batchWindowMs: 5000,
      batchMax: 20,
      minSeverity: 'info',
    },
    github: {
      issueCreationEnabled: f.githubOn ?? false,
      token: f.token ? 'test-token' : undefined,
      dryRun: f.dryRun ?? true,
      enableStaging: f.githubStaging ?? false,
      enableProd: f.githubProd ?? false,
      repoAllowlist: ['acme/*'],
      apiUrl: 'https://api.github.com',
      minSeverity: 'info',
      writeIntervalMs: 3000,
      createLeaseMs: 120_000,
    },
    storage: { uri: f.storage, defaulted: false, emulatorHost: undefined },
    state: { uri: f.state, defaulted: false, leaseMs: 30_000, outboxMaxItems: 100_000 },
  };
}

// The seed's configuration matrix (dev / staging / prod × the flags), row by row.
const seedRows: Array<[string, DeploymentEnv, Flags, string, string]> = [
  ['dev: nothing set', 'dev', {}, 'DISABLED', 'DISABLED'],
  ['dev: Slack enabled if configured', 'dev', { slackOn: true, webhook: true }, 'ENABLED', 'DISABLED'],
  ['dev: Slack flag without webhook', 'dev', { slackOn: true }, 'DISABLED', 'DISABLED'],
  ['dev: GitHub DRY_RUN by default', 'dev', { githubOn: true }, 'DISABLED', 'DRY_RUN'],
  [
    'dev: GitHub REAL with DRY_RUN=false + token',
    'dev',
    { githubOn: true, dryRun: false, token: true },
    'DISABLED',
    'REAL',
  ],
  [
    'dev: DRY_RUN=false without token stays dry',
    'dev',
    { githubOn: true, dryRun: false },
    'DISABLED',
    'DRY_RUN',
  ],
  [
    'staging: Slack DISABLED without override',
    'staging',
    { slackOn: true, webhook: true },
    'DISABLED',
    'DISABLED',
  ],
  [
    'staging: Slack with SLACK_ENABLE_STAGING',
    'staging',
    { slackOn: true, webhook: true, slackStaging: true },
    'ENABLED',
    'DISABLED',
  ],
  [
    'staging: GitHub DRY_RUN without override',
    'staging',
    { githubOn: true, dryRun: false, token: true },
    'DISABLED',
    'DRY_RUN',
  ],
  [
    'staging: GitHub REAL with GITHUB_ENABLE_STAGING',
    'staging',
    { githubOn: true, dryRun: false, token: true, githubStaging: true },
    'DISABLED',
    'REAL',
  ],
  [
    'staging: GITHUB_ENABLE_STAGING but DRY_RUN',
    'staging',
    { githubOn: true, token: true, githubStaging: true },
    'DISABLED',
    'DRY_RUN',
  ],
  [
    'prod: Slack locked',
    'prod',
    { slackOn: true, webhook: true, slackStaging: true },
    'DISABLED',
    'DISABLED',
  ],
  [
    'prod: Slack with SLACK_ENABLE_PROD',
    'prod',
    { slackOn: true, webhook: true, slackProd: true },
    'ENABLED',
    'DISABLED',
  ],
  [
    'prod: GitHub locked',
    'prod',
    { githubOn: true, dryRun: false, token: true, githubStaging: true },
    'DISABLED',
    'DISABLED',
  ],
  ['prod: GitHub enabled but dry-run', 'prod', { githubOn: true, githubProd: true }, 'DISABLED', 'DRY_RUN'],
  [
    'prod: GitHub REAL deliberately',
    'prod',
    { githubOn: true, githubProd: true, dryRun: false, token: true },
    'DISABLED',
    'REAL',
  ],
];

describe('the safety matrix (docs/contract.md §3)', () => {
  it.each(seedRows)('%s', (_name, env, flags, slackMode, githubMode) => {
    expect(resolveSlackMode(input(flags), env).mode).toBe(slackMode);
    expect(resolveGitHubMode(input(flags), env).mode).toBe(githubMode);
  });

  it('flags asking for Slack without a webhook are MISCONFIGURED, not ENABLED', () => {
    const r = resolveSlackMode(input({ slackOn: true, slackProd: true }), 'prod');
    expect(r).toMatchObject({ mode: 'DISABLED', status: 'MISCONFIGURED' });
  });

  it('DRY_RUN=false without a token is MISCONFIGURED and stays DRY_RUN', () => {
    const r = resolveGitHubMode(input({ githubOn: true, dryRun: false }), 'dev');
    expect(r).toMatchObject({ mode: 'DRY_RUN', status: 'MISCONFIGURED' });
  });

  it('labels titles outside prod only', () => {
    expect(resolveGitHubMode(input({}), 'staging').titlePrefix).toBe('[STAGING] ');
    expect(resolveGitHubMode(input({}), 'prod').titlePrefix).toBeUndefined();
    expect(resolveSlackMode(input({}), 'prod').label).toBe('PROD');
  });

  it('state: needed whenever a channel is active; sqlite outside dev warns; firestore is the fleet backend', () => {
    expect(resolveState(input({}), 'dev')).toMatchObject({ status: 'DISABLED', backend: 'none' });
    expect(resolveState(input({ githubOn: true }), 'dev')).toMatchObject({
      status: 'MISCONFIGURED',
      backend: 'none',
    });
    const sqlite = { githubOn: true, state: 'sqlite:///var/lib/relay/state.db' };
    expect(resolveState(input(sqlite), 'dev')).toMatchObject({ status: 'ENABLED', backend: 'sqlite' });
    expect(resolveState(input(sqlite), 'dev').warning).toBeUndefined();
    expect(resolveState(input(sqlite), 'staging')).toMatchObject({ status: 'ENABLED', backend: 'sqlite' });
    expect(resolveState(input(sqlite), 'staging').warning).toMatch(/persistent disk/);
    const slackOnly = { slackOn: true, webhook: true, state: 'firestore://-/(default)' };
    expect(resolveState(input(slackOnly), 'dev')).toMatchObject({ status: 'ENABLED', backend: 'firestore' });
    expect(resolveState(input(slackOnly), 'dev').warning).toBeUndefined();
    const fleet = { githubOn: true, state: 'firestore://my-project/relay-state' };
    expect(resolveState(input(fleet), 'staging')).toMatchObject({ status: 'ENABLED', backend: 'firestore' });
    expect(resolveState(input(fleet), 'staging').warning).toBeUndefined();
  });

  it('storage: a file:// store outside dev is MISCONFIGURED while GitHub is dry-run', () => {
    const flags = { githubOn: true, storage: 'file:///var/lib/relay' };
    expect(resolveStorage(input(flags), 'staging').status).toBe('MISCONFIGURED');
    expect(resolveStorage(input(flags), 'dev').status).toBe('ENABLED');
    expect(resolveStorage(input({ ...flags, storage: 'gs://b/p' }), 'staging').status).toBe('ENABLED');
    expect(resolveStorage(input({}), 'prod').status).toBe('DISABLED');
    expect(resolveStorage(input({ githubOn: true }), 'dev').status).toBe('MISCONFIGURED');
    // Slack alone writes no ledger: no STORAGE_URI needed.
    expect(resolveStorage(input({ slackOn: true, webhook: true }), 'dev').status).toBe('DISABLED');
  });

  it('allowlist matches owner/name and owner/* case-insensitively, nothing else', () => {
    expect(isRepoAllowlisted(['acme/*'], 'ACME/web')).toBe(true);
    expect(isRepoAllowlisted(['acme/web'], 'acme/web')).toBe(true);
    expect(isRepoAllowlisted(['acme/web'], 'acme/web2')).toBe(false);
    expect(isRepoAllowlisted(['acme/*'], 'acme-evil/web')).toBe(false);
    expect(isRepoAllowlisted([], 'acme/web')).toBe(false);
  });
});

const envArb = fc.constantFrom<DeploymentEnv>('dev', 'staging', 'prod');
const flagsArb = fc.record({
  slackOn: fc.boolean(),
  webhook: fc.boolean(),
  slackStaging: fc.boolean(),
  slackProd: fc.boolean(),
  githubOn: fc.boolean(),
  token: fc.boolean(),
  dryRun: fc.boolean(),
  githubStaging: fc.boolean(),
  githubProd: fc.boolean(),
});

describe('matrix invariants over every flag combination', () => {
  it('prod never posts to Slack without SLACK_ENABLE_PROD; never without the switch and a webhook', () => {
    fc.assert(
      fc.property(envArb, flagsArb, (env, f) => {
        const slack = resolveSlackMode(input(f), env);
        if (slack.mode === 'ENABLED') {
          expect(f.slackOn && f.webhook).toBe(true);
          if (env === 'prod') expect(f.slackProd).toBe(true);
          if (env === 'staging') expect(f.slackStaging).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('GitHub is REAL only with every gate open, and only for an allowlisted repo', () => {
    fc.assert(
      fc.property(envArb, flagsArb, fc.constantFrom('acme/web', 'evil/web', undefined), (env, f, repo) => {
        const github = resolveGitHubMode(input(f), env);
        const modes: ResolvedModes = {
          env,
          slack: resolveSlackMode(input(f), env),
          github,
          slackMinSeverity: 'info',
          githubMinSeverity: 'info',
          repoAllowlist: ['acme/*'],
        };
        const decision = decideChannels({ severity: 'critical', repo }, modes).get('github');
        if (github.mode === 'REAL') {
          expect(f.githubOn && !f.dryRun && f.token).toBe(true);
          if (env === 'prod') expect(f.githubProd).toBe(true);
          if (env === 'staging') expect(f.githubStaging).toBe(true);
        }
        if (decision?.do === 'deliver') {
          expect(github.mode).toBe('REAL');
          expect(repo).toBe('acme/web');
        }
        if (env === 'prod' && !f.githubProd)
          expect(decision).toEqual({ do: 'drop', reason: 'mode-disabled' });
      }),
      { numRuns: 2000 },
    );
  });
});
