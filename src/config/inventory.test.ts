import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INVENTORY, VARIABLES } from './inventory.js';

/** docs/contract.md §2, in its order. */
const CONTRACT_VARIABLES = [
  'DEPLOYMENT_ENV',
  'SLACK_NOTIFICATIONS_ENABLED',
  'SLACK_WEBHOOK_URL',
  'SLACK_ENABLE_STAGING',
  'SLACK_ENABLE_PROD',
  'SLACK_ENV_LABEL',
  'GITHUB_ISSUE_CREATION_ENABLED',
  'GITHUB_TOKEN',
  'DRY_RUN',
  'GITHUB_ENABLE_STAGING',
  'GITHUB_ENABLE_PROD',
  'GITHUB_REPO_ALLOWLIST',
  'GITHUB_API_URL',
  'STORAGE_URI',
  'STATE_URI',
  'GOOGLE_CLOUD_PROJECT',
  'FINDINGS_TOPIC',
  'FINDINGS_SUBSCRIPTION',
  'DEAD_LETTER_TOPIC',
  'DEAD_LETTER_SUBSCRIPTION',
  'MAX_DELIVERY_ATTEMPTS',
  'SLACK_BATCH_WINDOW_MS',
  'SLACK_BATCH_MAX',
  'DEDUPE_WINDOW_S',
  'SLACK_MIN_SEVERITY',
  'GITHUB_MIN_SEVERITY',
  'PORT',
  'LOG_LEVEL',
  // docs/contract.md §7
  'ROUTES_FILE',
];

describe('inventory', () => {
  it("holds exactly docs/contract.md §2's variables, plus the extras marked as honoured", () => {
    const names = INVENTORY.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(
      [
        ...CONTRACT_VARIABLES,
        'PUBSUB_EMULATOR_HOST',
        'STORAGE_EMULATOR_HOST',
        'GITHUB_WRITE_INTERVAL_MS',
        'GITHUB_CREATE_LEASE_MS',
        'CLAIM_LEASE_MS',
        'OUTBOX_MAX_ITEMS',
        'HTTP_HOST',
        'TRACING_ENABLED',
        'LOG_PRETTY',
      ].sort(),
    );
    expect(INVENTORY.filter((spec) => spec.honoured).map((spec) => [spec.name, spec.concern])).toEqual([
      ['GITHUB_WRITE_INTERVAL_MS', 'github'],
      ['GITHUB_CREATE_LEASE_MS', 'github'],
      ['STORAGE_EMULATOR_HOST', 'storage'],
      ['OUTBOX_MAX_ITEMS', 'state'],
      ['CLAIM_LEASE_MS', 'state'],
      ['PUBSUB_EMULATOR_HOST', 'pubsub'],
      ['HTTP_HOST', 'worker'],
      ['TRACING_ENABLED', 'worker'],
      ['LOG_PRETTY', 'worker'],
    ]);
  });

  it('is keyed by name and grouped by concern', () => {
    for (const [key, spec] of Object.entries(VARIABLES)) expect(spec.name).toBe(key);
    const concerns = INVENTORY.map((spec) => spec.concern).filter((c, i, all) => c !== all[i - 1]);
    expect(concerns).toEqual([
      'environment',
      'slack',
      'github',
      'routes',
      'storage',
      'state',
      'pubsub',
      'worker',
    ]);
  });

  it('marks exactly the webhook URL and the token as secrets', () => {
    expect(INVENTORY.filter((spec) => spec.secret).map((spec) => spec.name)).toEqual([
      'SLACK_WEBHOOK_URL',
      'GITHUB_TOKEN',
    ]);
  });

  it('documents every variable on one line', () => {
    for (const spec of INVENTORY) {
      expect(spec.description, spec.name).toMatch(/^\S[^\n]*\.$/);
      expect(spec.default, spec.name).toMatch(/^\S[^\n]*$/);
    }
  });

  it('has examples that parse to the fallback, and a plain default equal to its example', () => {
    for (const spec of INVENTORY.filter((s) => s.example !== '')) {
      expect(spec.default, spec.name).toBe(spec.example);
      const parsed = spec.schema.safeParse(spec.example);
      expect(parsed.success, spec.name).toBe(true);
      expect(parsed.data, spec.name).toEqual(spec.fallback);
    }
  });

  it("never repeats a secret's value in its parse errors", () => {
    const secrets = INVENTORY.filter((spec) => spec.secret);
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), (text) => {
        for (const spec of secrets) {
          const parsed = spec.schema.safeParse(text);
          if (!parsed.success)
            for (const issue of parsed.error.issues) expect(issue.message).not.toContain(text);
        }
      }),
    );
  });
});
