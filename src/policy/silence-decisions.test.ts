import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeploymentEnv } from '../config/types.js';
import { decideChannels, type ResolvedModes } from './decide-channels.js';
import { MATCHER_KEYS, MATCHER_OPS, type MatchableFinding, type Matcher } from './matchers.js';
import { type MatrixInput, resolveGitHubMode, resolveSlackMode } from './safety-matrix.js';
import { applySilences, type SilenceRule, silenceRule } from './silence-decisions.js';

const T0 = 1_000_000;
const finding: MatchableFinding = {
  agent: 'dep-scanner',
  fingerprint: 'fp',
  repo: 'acme/web',
  severity: 'high',
  title: 't',
  labels: [],
};
const rule = (id: string, matchers: Matcher[], extra: Partial<SilenceRule> = {}): SilenceRule => ({
  ...silenceRule({ id, startsAt: T0, endsAt: T0 + 1000, matchers }),
  ...extra,
});
const agentIs = (value: string): Matcher => ({ key: 'agent', op: '=', value });
const both = new Map([
  ['slack', { do: 'deliver' }],
  ['github', { do: 'dry-run' }],
] as const);

describe('applySilences', () => {
  it('drops each covered channel as silenced with the id; others unchanged', () => {
    const out = applySilences(
      both,
      finding,
      [rule('s1', [agentIs('dep-scanner')], { channel: 'slack' })],
      T0,
    );
    expect(out.get('slack')).toEqual({ do: 'drop', reason: 'silenced', silenceId: 's1' });
    expect(out.get('github')).toEqual({ do: 'dry-run' });
    const all = applySilences(both, finding, [rule('s2', [agentIs('dep-scanner')])], T0);
    expect([...all.values()].every((d) => d.do === 'drop' && d.silenceId === 's2')).toBe(true);
  });

  it('only while active, only when every matcher matches', () => {
    const s = [rule('s', [agentIs('dep-scanner'), { key: 'severity', op: '=', value: 'high' }])];
    expect(applySilences(both, finding, s, T0 - 1)).toEqual(both);
    expect(applySilences(both, finding, s, T0 + 1000)).toEqual(both);
    expect(applySilences(both, { ...finding, severity: 'low' }, s, T0)).toEqual(both);
  });

  it('a channel the matrix drops keeps its own reason', () => {
    const dropped = new Map([['slack', { do: 'drop', reason: 'mode-disabled' }]] as const);
    expect(applySilences(dropped, finding, [rule('s', [])], T0).get('slack')).toEqual({
      do: 'drop',
      reason: 'mode-disabled',
    });
  });
});

const envArb = fc.constantFrom<DeploymentEnv>('dev', 'staging', 'prod');
function input(f: Record<string, boolean>): MatrixInput {
  return {
    slack: {
      notificationsEnabled: f.slackOn!,
      webhookUrl: f.webhook ? 'https://hooks.example.test/services/secret' : undefined,
      enableStaging: f.slackStaging!,
      enableProd: f.slackProd!,
      envLabel: undefined,
      routeWebhooks: {},
      batchWindowMs: 5000,
      batchMax: 20,
      minSeverity: 'info',
    },
    github: {
      issueCreationEnabled: f.githubOn!,
      token: f.token ? 'test-token' : undefined,
      dryRun: f.dryRun!,
      enableStaging: f.githubStaging!,
      enableProd: f.githubProd!,
      repoAllowlist: ['acme/*'],
      apiUrl: 'https://api.github.com',
      minSeverity: 'info',
      writeIntervalMs: 3000,
      createLeaseMs: 120_000,
    },
    storage: { uri: undefined, defaulted: false, emulatorHost: undefined },
    state: { uri: undefined, defaulted: false, leaseMs: 30_000, outboxMaxItems: 100_000 },
  };
}
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
const word = fc.constantFrom('', 'dep-scanner', 'acme/web', 'high', 'low', 'x', '.*', 'dep.*');
const matcherArb = fc.record({
  key: fc.constantFrom(...MATCHER_KEYS),
  op: fc.constantFrom(...MATCHER_OPS),
  value: word,
});
const ruleArb = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    channel: fc.constantFrom(undefined, 'slack' as const, 'github' as const),
    startsAt: fc.integer({ min: 0, max: 10 }),
    length: fc.integer({ min: 1, max: 10 }),
    matchers: fc.array(matcherArb, { maxLength: 3 }),
  })
  .map((r) => silenceRule({ ...r, endsAt: r.startsAt + r.length }));
const findingArb = fc.record({
  agent: fc.constantFrom('dep-scanner', 'x'),
  fingerprint: fc.constantFrom('fp', 'x'),
  repo: fc.constantFrom(undefined, 'acme/web', 'evil/web'),
  severity: fc.constantFrom('info', 'low', 'high', 'critical'),
  title: word,
  labels: fc.array(word, { maxLength: 2 }),
});

describe('a silence only ever removes deliveries', () => {
  it('for random silences and flag sets: the matrix decision, or dropped (silenced)', () => {
    fc.assert(
      fc.property(
        envArb,
        flagsArb,
        findingArb,
        fc.array(ruleArb, { maxLength: 4 }),
        fc.integer({ min: 0, max: 20 }),
        (env, f, fnd, rules, now) => {
          const modes: ResolvedModes = {
            env,
            slack: resolveSlackMode(input(f), env),
            github: resolveGitHubMode(input(f), env),
            slackMinSeverity: 'low',
            githubMinSeverity: 'high',
            repoAllowlist: ['acme/*'],
          };
          const matrix = decideChannels({ severity: fnd.severity as 'high', repo: fnd.repo }, modes);
          const silenced = applySilences(matrix, fnd, rules, now);
          expect([...silenced.keys()]).toEqual([...matrix.keys()]);
          for (const [channel, decision] of silenced) {
            const before = matrix.get(channel)!;
            if (decision.do !== 'drop' || decision.reason !== 'silenced') expect(decision).toEqual(before);
            else {
              expect(before.do).not.toBe('drop');
              expect(rules.some((r) => r.id === decision.silenceId)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
