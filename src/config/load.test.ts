import { describe, expect, it } from 'vitest';
import { formatConfigIssues, loadConfig } from './load.js';

const cwd = '/srv/relay';
const load = (env: Record<string, string | undefined>) => loadConfig(env, { cwd });

describe('loadConfig defaults', () => {
  it('gives every default for an empty environment, failing closed to prod', () => {
    const { config, issues, warnings } = load({});
    expect(issues).toEqual([]);
    expect(warnings).toEqual(['DEPLOYMENT_ENV is unset: treated as prod']);
    expect(config).toEqual({
      deploymentEnv: 'prod',
      deploymentEnvDefaulted: true,
      slack: {
        notificationsEnabled: false,
        webhookUrl: undefined,
        enableStaging: false,
        enableProd: false,
        envLabel: undefined,
        batchWindowMs: 5000,
        batchMax: 20,
        minSeverity: 'info',
        routeWebhooks: {},
      },
      github: {
        issueCreationEnabled: false,
        token: undefined,
        dryRun: true,
        enableStaging: false,
        enableProd: false,
        repoAllowlist: [],
        apiUrl: 'https://api.github.com',
        minSeverity: 'info',
        writeIntervalMs: 3000,
        createLeaseMs: 120_000,
      },
      routes: { file: undefined, list: [] },
      storage: { uri: undefined, defaulted: false, emulatorHost: undefined },
      state: { uri: undefined, defaulted: false, leaseMs: 30_000, outboxMaxItems: 100_000 },
      pubsub: {
        projectId: undefined,
        emulatorHost: undefined,
        findingsTopic: 'findings',
        findingsSubscription: 'finding-relay',
        deadLetterTopic: 'findings-dead-letter',
        deadLetterSubscription: 'findings-dead-letter-inspect',
        maxDeliveryAttempts: 5,
      },
      dedupeWindowS: 86400,
      port: 8080,
      httpHost: '127.0.0.1',
      logLevel: 'info',
      logPretty: false,
      tracing: false,
    });
  });

  it('defaults storage to file://<cwd>/.finding-relay in dev only', () => {
    expect(load({ DEPLOYMENT_ENV: 'dev' }).config.storage).toEqual({
      uri: 'file:///srv/relay/.finding-relay',
      defaulted: true,
    });
    expect(load({ DEPLOYMENT_ENV: 'staging' }).config.storage).toEqual({
      uri: undefined,
      defaulted: false,
    });
    expect(load({ DEPLOYMENT_ENV: 'dev', STORAGE_URI: 'gs://my-bucket/x' }).config.storage).toEqual({
      uri: 'gs://my-bucket/x',
      defaulted: false,
    });
  });

  it('defaults state to sqlite://<cwd>/.finding-relay/state.db in dev only, and reads STATE_URI', () => {
    expect(load({ DEPLOYMENT_ENV: 'dev' }).config.state).toMatchObject({
      uri: 'sqlite:///srv/relay/.finding-relay/state.db',
      defaulted: true,
    });
    expect(load({ DEPLOYMENT_ENV: 'prod' }).config.state).toMatchObject({ uri: undefined, defaulted: false });
    expect(
      load({ DEPLOYMENT_ENV: 'prod', STATE_URI: 'sqlite://./var/state.db', CLAIM_LEASE_MS: '5000' }).config
        .state,
    ).toEqual({
      uri: 'sqlite:///srv/relay/var/state.db',
      defaulted: false,
      leaseMs: 5_000,
      outboxMaxItems: 100_000,
    });
    const bad = load({ DEPLOYMENT_ENV: 'dev', STATE_URI: 'redis://x', OUTBOX_MAX_ITEMS: '3' });
    expect(bad.issues.map((i) => [i.variable, i.concern])).toEqual([
      ['STATE_URI', 'state'],
      ['OUTBOX_MAX_ITEMS', 'state'],
    ]);
  });

  it('treats empty and blank values as unset', () => {
    const { config, issues, warnings } = load({
      DEPLOYMENT_ENV: '',
      DRY_RUN: '  ',
      PORT: '',
      SLACK_WEBHOOK_URL: '',
    });
    expect(issues).toEqual([]);
    expect(warnings).toEqual(['DEPLOYMENT_ENV is unset: treated as prod']);
    expect(config.deploymentEnvDefaulted).toBe(true);
    expect(config.github.dryRun).toBe(true);
    expect(config.port).toBe(8080);
    expect(config.slack.webhookUrl).toBeUndefined();
  });
});

describe('loadConfig booleans', () => {
  const truthy = ['true', 'TRUE', 'True', '1', 'yes', 'YES', 'on', 'On', ' true '];
  const falsy = ['false', 'FALSE', '0', 'no', 'No', 'off', 'OFF'];

  it.each(truthy)('reads %j as true', (text) => {
    const { config, issues } = load({ SLACK_NOTIFICATIONS_ENABLED: text, DRY_RUN: text });
    expect(issues).toEqual([]);
    expect(config.slack.notificationsEnabled).toBe(true);
    expect(config.github.dryRun).toBe(true);
  });

  it.each(falsy)('reads %j as false', (text) => {
    const { config, issues } = load({ SLACK_NOTIFICATIONS_ENABLED: text, DRY_RUN: text });
    expect(issues).toEqual([]);
    expect(config.slack.notificationsEnabled).toBe(false);
    expect(config.github.dryRun).toBe(false);
  });

  it.each(['ture', 'y', 'enabled', '2', 'truee'])('rejects %j and falls back fail-closed', (text) => {
    const { config, issues } = load({ GITHUB_ENABLE_PROD: text, DRY_RUN: text, SLACK_ENABLE_PROD: text });
    expect(issues.map((issue) => issue.variable)).toEqual([
      'SLACK_ENABLE_PROD',
      'DRY_RUN',
      'GITHUB_ENABLE_PROD',
    ]);
    expect(config.slack.enableProd).toBe(false);
    expect(config.github.enableProd).toBe(false);
    expect(config.github.dryRun).toBe(true);
  });
});

describe('loadConfig deployment environment', () => {
  it.each([
    ['dev', 'dev'],
    ['development', 'dev'],
    ['DEV', 'dev'],
    ['staging', 'staging'],
    ['stage', 'staging'],
    ['Staging', 'staging'],
    ['prod', 'prod'],
    ['production', 'prod'],
    ['PRODUCTION', 'prod'],
  ])('reads %j as %s', (text, expected) => {
    const { config, issues, warnings } = load({ DEPLOYMENT_ENV: text });
    expect(issues).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.deploymentEnv).toBe(expected);
    expect(config.deploymentEnvDefaulted).toBe(false);
  });

  it('reports an unknown environment and falls back to prod', () => {
    const { config, issues } = load({ DEPLOYMENT_ENV: 'qa' });
    expect(config.deploymentEnv).toBe('prod');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ variable: 'DEPLOYMENT_ENV', concern: 'environment' });
    expect(issues[0]?.message).toContain('"qa"');
  });
});

describe('loadConfig issues', () => {
  it('reports every bad variable at once, each with its name and value', () => {
    const { config, issues } = load({ DEPLOYMENT_ENV: 'qa', DRY_RUN: 'ture', PORT: '70000' });
    expect(issues.map((issue) => issue.variable).sort()).toEqual(['DEPLOYMENT_ENV', 'DRY_RUN', 'PORT']);
    const byVariable = Object.fromEntries(issues.map((issue) => [issue.variable, issue]));
    expect(byVariable.DEPLOYMENT_ENV?.message).toMatch(/^DEPLOYMENT_ENV: .*got "qa"$/);
    expect(byVariable.DRY_RUN?.message).toBe(
      'DRY_RUN: expected a boolean (true/false/1/0/yes/no/on/off), got "ture"',
    );
    expect(byVariable.PORT?.message).toBe('PORT: expected an integer from 0 to 65535, got "70000"');
    expect(byVariable.PORT?.concern).toBe('worker');
    expect(config.port).toBe(8080);
    expect(config.github.dryRun).toBe(true);

    const text = formatConfigIssues(issues);
    expect(text.split('\n')[0]).toBe('finding-relay: configuration has 3 problems:');
    for (const issue of issues) expect(text).toContain(`\n  - ${issue.message}`);
  });

  it('formats one problem and none', () => {
    const { issues } = load({ PORT: 'http' });
    expect(formatConfigIssues(issues)).toBe(
      'finding-relay: configuration has 1 problem:\n  - PORT: expected an integer from 0 to 65535, got "http"',
    );
    expect(formatConfigIssues([])).toBe('finding-relay: configuration has no problems');
  });

  it('never shows any part of a bad Slack webhook URL', () => {
    const value = 'http://hooks.example/secret-part';
    const { config, issues } = load({ SLACK_WEBHOOK_URL: value });
    expect(config.slack.webhookUrl).toBeUndefined();
    expect(issues).toHaveLength(1);
    const message = issues[0]!.message;
    expect(message.startsWith('SLACK_WEBHOOK_URL: ')).toBe(true);
    expect(message).toContain('not shown');
    for (const part of [value, 'hooks', 'example', 'secret', 'part', '//'])
      expect(message).not.toContain(part);
    expect(formatConfigIssues(issues)).not.toContain('secret-part');
  });

  it('never shows a bad GitHub token', () => {
    const { config, issues } = load({ GITHUB_TOKEN: 'ghp_abc def-tokenvalue' });
    expect(config.github.token).toBeUndefined();
    expect(issues[0]?.variable).toBe('GITHUB_TOKEN');
    for (const part of ['ghp_abc', 'def-tokenvalue']) expect(issues[0]?.message).not.toContain(part);
  });

  it('masks credentials and shortens long values it shows', () => {
    const { issues } = load({
      GITHUB_API_URL: 'https://user:hunter2@ghe.example/api/v3',
      FINDINGS_TOPIC: `x${'y'.repeat(300)} bad`,
    });
    const [api, topic] = issues;
    expect(api?.message).not.toContain('hunter2');
    // A URL with user info, a query or a fragment is named only: any of them may hold a secret.
    expect(api?.message).toBe(
      'GITHUB_API_URL: a URL with credentials in it is not accepted, the value is not shown (it may hold a credential)',
    );
    expect(topic?.message.length).toBeLessThan(300);
  });

  it('checks bounds of every number', () => {
    const { issues, config } = load({
      MAX_DELIVERY_ATTEMPTS: '4',
      SLACK_BATCH_WINDOW_MS: '600001',
      SLACK_BATCH_MAX: '46',
      DEDUPE_WINDOW_S: '2592001',
      PORT: '-1',
    });
    expect(issues.map((issue) => issue.variable).sort()).toEqual([
      'DEDUPE_WINDOW_S',
      'MAX_DELIVERY_ATTEMPTS',
      'PORT',
      'SLACK_BATCH_MAX',
      'SLACK_BATCH_WINDOW_MS',
    ]);
    expect(config.slack.batchMax).toBe(20);
    const ok = load({ MAX_DELIVERY_ATTEMPTS: '100', SLACK_BATCH_MAX: '45', DEDUPE_WINDOW_S: '0', PORT: '0' });
    expect(ok.issues).toEqual([]);
    expect(ok.config.pubsub.maxDeliveryAttempts).toBe(100);
    expect(ok.config.slack.batchMax).toBe(45);
    expect(load({ PORT: '80.5' }).issues).toHaveLength(1);
  });

  it('reads severities and log levels case-insensitively and rejects others', () => {
    const { config } = load({
      SLACK_MIN_SEVERITY: 'HIGH',
      GITHUB_MIN_SEVERITY: 'critical',
      LOG_LEVEL: 'Debug',
    });
    expect([config.slack.minSeverity, config.github.minSeverity, config.logLevel]).toEqual([
      'high',
      'critical',
      'debug',
    ]);
    const bad = load({ SLACK_MIN_SEVERITY: 'urgent', LOG_LEVEL: 'verbose' });
    expect(bad.issues.map((issue) => issue.message)).toEqual([
      'SLACK_MIN_SEVERITY: expected one of info, low, medium, high, critical, got "urgent"',
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ]);
  });
});

describe('loadConfig values', () => {
  it('reads urls, names, label, project and emulator host', () => {
    const { config, issues } = load({
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/XXX/YYY/ZZZ',
      GITHUB_API_URL: 'http://127.0.0.1:4010/',
      SLACK_ENV_LABEL: 'STAGING-EU',
      GOOGLE_CLOUD_PROJECT: 'my-project-1',
      PUBSUB_EMULATOR_HOST: 'localhost:8085',
      FINDINGS_TOPIC: 'findings-test',
    });
    expect(issues).toEqual([]);
    expect(config.slack.webhookUrl).toBe('https://hooks.slack.com/services/XXX/YYY/ZZZ');
    expect(config.github.apiUrl).toBe('http://127.0.0.1:4010');
    expect(config.slack.envLabel).toBe('STAGING-EU');
    expect(config.pubsub.projectId).toBe('my-project-1');
    expect(config.pubsub.emulatorHost).toBe('localhost:8085');
    expect(config.pubsub.findingsTopic).toBe('findings-test');
  });

  it('accepts a plain-http webhook only on loopback (test stand-ins)', () => {
    expect(load({ SLACK_WEBHOOK_URL: 'http://127.0.0.1:3000/hook' }).config.slack.webhookUrl).toBe(
      'http://127.0.0.1:3000/hook',
    );
    expect(load({ SLACK_WEBHOOK_URL: 'http://localhost/hook' }).issues).toEqual([]);
    expect(load({ SLACK_WEBHOOK_URL: 'http://10.0.0.1/hook' }).issues).toHaveLength(1);
    expect(load({ SLACK_WEBHOOK_URL: 'not a url' }).issues).toHaveLength(1);
  });

  it('rejects labels that could break the prefix or Slack formatting', () => {
    for (const label of ['<!channel>', 'A]B', 'x'.repeat(33), 'A&B']) {
      expect(load({ SLACK_ENV_LABEL: label }).issues, label).toHaveLength(1);
    }
  });

  it('rejects bad Pub/Sub names and emulator hosts', () => {
    const { issues } = load({
      FINDINGS_TOPIC: 'goog-findings',
      DEAD_LETTER_SUBSCRIPTION: '9lives',
      PUBSUB_EMULATOR_HOST: 'localhost:port',
      GOOGLE_CLOUD_PROJECT: 'My Project',
    });
    expect(issues.map((issue) => issue.variable)).toEqual([
      'GOOGLE_CLOUD_PROJECT',
      'PUBSUB_EMULATOR_HOST',
      'FINDINGS_TOPIC',
      'DEAD_LETTER_SUBSCRIPTION',
    ]);
  });

  it('reads the allowlist and falls back to an empty one on any bad entry', () => {
    expect(load({ GITHUB_REPO_ALLOWLIST: ' Acme/Api , acme/*,,' }).config.github.repoAllowlist).toEqual([
      'acme/api',
      'acme/*',
    ]);
    const bad = load({ GITHUB_REPO_ALLOWLIST: 'acme/api,nope' });
    expect(bad.config.github.repoAllowlist).toEqual([]);
    expect(bad.issues[0]?.message).toContain('"nope"');
  });

  it('resolves a relative file STORAGE_URI against cwd in any environment', () => {
    const { config } = load({ DEPLOYMENT_ENV: 'prod', STORAGE_URI: 'file://./state' });
    expect(config.storage).toEqual({
      uri: 'file:///srv/relay/state',
      defaulted: false,
    });
    const bad = load({ DEPLOYMENT_ENV: 'dev', STORAGE_URI: 's3://bucket' });
    expect(bad.config.storage).toEqual({ uri: undefined, defaulted: false });
    expect(bad.issues[0]?.concern).toBe('storage');
  });

  it('reads STORAGE_EMULATOR_HOST for the Cloud Storage client, and refuses what is no host', () => {
    for (const host of ['http://gcs:4443', 'localhost:4443', 'https://127.0.0.1:4443/']) {
      const { config, issues } = load({
        STORAGE_URI: 'gs://bucket/relay',
        STORAGE_EMULATOR_HOST: ` ${host} `,
      });
      expect(issues, host).toEqual([]);
      expect(config.storage.emulatorHost, host).toBe(host);
    }
    expect(load({ STORAGE_URI: 'gs://bucket/relay' }).config.storage.emulatorHost).toBeUndefined();
    for (const host of ['gcs:port', 'ftp://gcs:4443', 'http://gcs:4443/storage/v1']) {
      const bad = load({ STORAGE_EMULATOR_HOST: host });
      expect(bad.config.storage.emulatorHost, host).toBeUndefined();
      expect(
        bad.issues.map((i) => [i.variable, i.concern]),
        host,
      ).toEqual([['STORAGE_EMULATOR_HOST', 'storage']]);
    }
  });
});

describe('loadConfig result', () => {
  // ES modules run in strict mode, so writing to a frozen object throws.
  it('is deeply frozen', () => {
    const result = load({ GITHUB_REPO_ALLOWLIST: 'acme/api', DRY_RUN: 'nah' });
    const { config } = result;
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.github as { dryRun: boolean }).dryRun = false;
    }).toThrow(TypeError);
    expect(() => (config.github.repoAllowlist as string[]).push('evil/repo')).toThrow(TypeError);
    expect(() => (result.issues as unknown[]).pop()).toThrow(TypeError);
    expect(() => (result.warnings as string[]).push('x')).toThrow(TypeError);
    expect(config.github.dryRun).toBe(true);
  });
});
