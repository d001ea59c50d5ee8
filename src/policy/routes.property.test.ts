import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { ChannelName, Decision } from '../channels/types.js';
import { type Env, loadConfig } from '../config/load.js';
import type { RouteSpec } from '../config/routes-file.js';
import { SEVERITIES, type Severity } from '../config/types.js';
import { decideRouted, type ResolvedModes, resolveModes } from './decide-channels.js';
import {
  compileMatchers,
  formatMatcher,
  MATCHER_KEYS,
  MATCHER_OPS,
  type Matcher,
  matchableFinding,
  parseMatcher,
} from './matchers.js';
import { applySilences, type SilenceRule, silenceRule } from './silence-decisions.js';

/**
 * docs/contract.md §3, §4 and §7 as properties over random route files, silences, environments and
 * findings. Everything under test is the real path a worker takes: the environment through
 * loadConfig (ROUTES_FILE read from disk, routed webhook secrets SLACK_WEBHOOK_URL_<NAME>), then
 * resolveModes, decideRouted and applySilences. The one thing written here is the oracle of the
 * §3 matrix (`contractMatrix`), read straight from the contract and deliberately naive: it looks
 * at the raw environment variables, not at the Config.
 */

// --- the §3 oracle, from the raw environment -------------------------------------------------

const TRUTHY = new Set(['true', '1', 'yes', 'on']);
const FALSY = new Set(['false', '0', 'no', 'off']);
/** §2: a flag holds only when spelled as one of the truthy spellings (any case); anything else is closed. */
const holds = (value: string | undefined) => TRUTHY.has((value ?? '').trim().toLowerCase());
/** DRY_RUN defaults true: it is off only when spelled as false. */
const saysFalse = (value: string | undefined) => FALSY.has((value ?? '').trim().toLowerCase());
const present = (value: string | undefined) => (value ?? '').trim() !== '';

type OracleEnv = 'dev' | 'staging' | 'prod';
/** §2: unset is prod; an unknown value is a configuration error, judged here as prod (fail closed). */
function environmentOf(value: string | undefined): OracleEnv {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'dev' || v === 'development') return 'dev';
  if (v === 'staging' || v === 'stage') return 'staging';
  return 'prod';
}

interface Oracle {
  readonly env: OracleEnv;
  /** §3's flags for Slack in this environment (the webhook URL is judged per webhook). */
  readonly slackFlags: boolean;
  readonly github: 'DISABLED' | 'DRY_RUN' | 'REAL';
  readonly allowlisted: (repo: string) => boolean;
  readonly slackFloor: Severity;
  readonly githubFloor: Severity;
}

function contractMatrix(e: Env): Oracle {
  const env = environmentOf(e.DEPLOYMENT_ENV);
  const slackFlags =
    holds(e.SLACK_NOTIFICATIONS_ENABLED) &&
    (env !== 'staging' || holds(e.SLACK_ENABLE_STAGING)) &&
    (env !== 'prod' || holds(e.SLACK_ENABLE_PROD));
  const github =
    !holds(e.GITHUB_ISSUE_CREATION_ENABLED) || (env === 'prod' && !holds(e.GITHUB_ENABLE_PROD))
      ? 'DISABLED'
      : env === 'staging' && !holds(e.GITHUB_ENABLE_STAGING)
        ? 'DRY_RUN'
        : saysFalse(e.DRY_RUN) && present(e.GITHUB_TOKEN)
          ? 'REAL'
          : 'DRY_RUN';
  // Lenient on purpose (a malformed list counts its good entries): the real one may only be stricter.
  const entries = (e.GITHUB_REPO_ALLOWLIST ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const allowlisted = (repo: string) => {
    const r = repo.toLowerCase();
    return entries.some((entry) => entry === r || entry === `${r.split('/')[0]}/*`);
  };
  const floor = (value: string | undefined): Severity =>
    (value?.trim().toLowerCase() as Severity | undefined) || 'info';
  return {
    env,
    slackFlags,
    github,
    allowlisted,
    slackFloor: floor(e.SLACK_MIN_SEVERITY),
    githubFloor: floor(e.GITHUB_MIN_SEVERITY),
  };
}

const rank = (s: string) => SEVERITIES.indexOf(s as Severity);

// --- generators ------------------------------------------------------------------------------

const WEBHOOKS = ['SECURITY', 'LEGAL', 'OPS_2'] as const;
/** One webhook has one window (routes-file.ts refuses two): a fixed window per name. */
const WINDOWS: Record<string, number> = { SECURITY: 1000, LEGAL: 0, OPS_2: 60_000 };
const URL_A = 'https://hooks.slack.com/services/T000/B000/defaultsecret';
const URL_B = 'https://hooks.slack.com/services/T000/B111/routedsecret';

/**
 * Every spelling §2 accepts, in odd cases and with spaces; blank (= unset) and typos (an issue,
 * closed). Weighted towards "on" so that whole environments are open often enough for the
 * properties to see deliveries, not only drops.
 */
const flagValue = fc.oneof(
  { arbitrary: fc.constantFrom('true', '1', 'yes', 'on', 'TRUE', ' yes ', 'oN'), weight: 6 },
  { arbitrary: fc.constantFrom('false', '0', 'no', 'off', 'Off'), weight: 1 },
  { arbitrary: fc.constantFrom(undefined, '', '  ', 'y', 'enabled', '2', 'truee'), weight: 1 },
);
/** DRY_RUN defaults true: weighted towards "false" (real writes), likewise. */
const dryRunValue = fc.oneof(
  { arbitrary: fc.constantFrom('false', '0', 'no', 'off', 'FALSE', ' Off '), weight: 5 },
  { arbitrary: fc.constantFrom('true', '1', 'yes', 'on'), weight: 1 },
  { arbitrary: fc.constantFrom(undefined, '', 'n', 'disabled'), weight: 1 },
);
const urlValue = fc.oneof(
  { arbitrary: fc.constantFrom(URL_A, URL_B, ` ${URL_B} `), weight: 4 },
  // unset or blank (= unset); http to a non-loopback host and a non-URL are refused (an issue, unset)
  {
    arbitrary: fc.constantFrom(undefined, '', ' ', 'http://hooks.example.com/services/x', 'not a url'),
    weight: 2,
  },
);
const envArb = fc.record(
  {
    // unset and an unknown value count as prod (§2: fail closed)
    DEPLOYMENT_ENV: fc.oneof(
      fc.constantFrom('dev', 'development'),
      fc.constantFrom('staging', 'stage', 'Staging'),
      fc.constantFrom(undefined, 'prod', 'production', 'PROD', 'qa'),
    ),
    SLACK_NOTIFICATIONS_ENABLED: flagValue,
    SLACK_ENABLE_STAGING: flagValue,
    SLACK_ENABLE_PROD: flagValue,
    SLACK_WEBHOOK_URL: urlValue,
    SLACK_WEBHOOK_URL_SECURITY: urlValue,
    SLACK_WEBHOOK_URL_LEGAL: urlValue,
    SLACK_WEBHOOK_URL_OPS_2: urlValue,
    GITHUB_ISSUE_CREATION_ENABLED: flagValue,
    GITHUB_ENABLE_STAGING: flagValue,
    GITHUB_ENABLE_PROD: flagValue,
    DRY_RUN: dryRunValue,
    GITHUB_TOKEN: fc.oneof(
      { arbitrary: fc.constantFrom('test-token-123', 'test-token-456'), weight: 3 },
      { arbitrary: fc.constantFrom(undefined, '', 'has a space'), weight: 1 },
    ),
    GITHUB_REPO_ALLOWLIST: fc.constantFrom(
      undefined,
      '',
      'acme/*',
      'acme/*,other/*',
      'acme/web',
      'ACME/Web, other/tool',
      'acme/security-triage,evil/triage',
      'acme/legal,acme/web',
      'acme', // malformed: the whole list is refused (empty = no repo)
    ),
    SLACK_MIN_SEVERITY: fc.constantFrom(undefined, undefined, ...SEVERITIES, 'HIGH'),
    GITHUB_MIN_SEVERITY: fc.constantFrom(undefined, undefined, ...SEVERITIES, 'Medium'),
  },
  { requiredKeys: [] },
);

/** Values per key, some matching the findings below (literally or as anchored regexes), some not. */
const VALUES: Record<'agent' | 'severity' | 'repo' | 'label', readonly string[]> = {
  agent: ['secret-scanner', 'license-checker', 'license-.*', '.*scanner', 'dep-scanner', 'x'],
  severity: ['high', 'critical', 'high|critical', 'info', 'low|medium'],
  repo: ['acme/web', 'acme/.*', '', 'evil/web', 'ACME/Web'],
  label: ['security', 'legal', '', 'sec.*', 'noise'],
};
const routeMatcherArb = fc.constantFrom('agent', 'severity', 'repo', 'label').chain((key) =>
  fc.record({
    key: fc.constant(key),
    op: fc.constantFrom(...MATCHER_OPS),
    value: fc.constantFrom(...VALUES[key]),
  }),
) as fc.Arbitrary<Matcher>;

const severityArb = fc.constantFrom(...SEVERITIES);
const slackSpecArb = fc.oneof(
  { arbitrary: fc.constant('off' as const), weight: 1 },
  {
    weight: 3,
    arbitrary: fc
      .record(
        { webhook: fc.constantFrom(...WEBHOOKS), minSeverity: severityArb, window: fc.boolean() },
        { requiredKeys: [] },
      )
      .map(({ webhook, minSeverity, window }) => ({
        ...(webhook ? { webhook } : {}),
        ...(minSeverity ? { minSeverity } : {}),
        ...(webhook && window ? { batchWindowMs: WINDOWS[webhook] } : {}),
      })),
  },
);
/** Repo overrides inside and outside the usual allowlists, one in another case. */
const githubSpecArb = fc.oneof(
  { arbitrary: fc.constant('off' as const), weight: 1 },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        repo: fc.constantFrom('acme/security-triage', 'acme/web', 'evil/triage', 'Acme/Legal', 'other/tool'),
        minSeverity: severityArb,
      },
      { requiredKeys: [] },
    ),
  },
);
const rawRouteArb = fc.record(
  {
    match: fc.array(routeMatcherArb, { maxLength: 3 }),
    slack: slackSpecArb,
    github: githubSpecArb,
    continue: fc.boolean(),
  },
  { requiredKeys: ['match'] },
);
/** A routes file as an operator writes it: YAML or JSON text. */
const routesFileArb = fc
  .record({
    routes: fc.array(rawRouteArb, { maxLength: 5 }),
    format: fc.constantFrom('yaml', 'json', 'yaml-flow'),
  })
  .map(({ routes, format }) => {
    const data = {
      routes: routes.map((r, i) => ({ name: `route-${i + 1}`, ...r, match: r.match.map(formatMatcher) })),
    };
    const text =
      format === 'json'
        ? JSON.stringify(data, null, 2)
        : toYaml(data, format === 'yaml-flow' ? { collectionStyle: 'flow' } : {});
    return { count: routes.length, text };
  });

const findingArb = fc.record({
  source: fc.record({ agent: fc.constantFrom('secret-scanner', 'license-checker', 'dep-scanner') }),
  fingerprint: fc.constantFrom('fp-1', 'fp-2'),
  severity: severityArb,
  title: fc.constantFrom('Leaked key', 'Old licence'),
  repo: fc.constantFrom(undefined, 'acme/web', 'ACME/Web', 'acme/api', 'evil/web', 'other/tool'),
  labels: fc.subarray(['security', 'legal', 'noise']),
});

/** Silence matchers as operators write them (most match some findings), and random ones. */
const silenceMatcherArb = fc.oneof(
  fc
    .constantFrom(
      'agent=secret-scanner',
      'agent=~license-.*',
      'severity=~high|critical',
      'repo=acme/web',
      'label=security',
      'fingerprint!=fp-2',
      'title=~.*',
      'repo!=""',
    )
    .map((text) => {
      const parsed = parseMatcher(text);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.matcher;
    }),
  fc.record({
    key: fc.constantFrom(...MATCHER_KEYS),
    op: fc.constantFrom(...MATCHER_OPS),
    value: fc.constantFrom('secret-scanner', 'license-.*', 'acme/web', 'high', 'fp-1', 'security', '', '.*'),
  }),
);
const silenceArb = fc
  .record({
    id: fc.constantFrom('s1', 's2', 's3'),
    channel: fc.constantFrom(undefined, 'slack' as const, 'github' as const),
    startsAt: fc.integer({ min: 0, max: 10 }),
    length: fc.integer({ min: 1, max: 10 }),
    matchers: fc.array(silenceMatcherArb, { maxLength: 2 }),
  })
  .map((s) => silenceRule({ ...s, endsAt: s.startsAt + s.length }));

// --- running the real thing ------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'routes-property-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

interface World {
  readonly env: Env;
  readonly modes: ResolvedModes;
  readonly routes: readonly RouteSpec[];
  readonly issues: readonly string[];
}

/** loadConfig → resolveModes, with the routes file on disk (or no ROUTES_FILE at all). */
function world(env: Env, routesText: string | undefined): World {
  let full: Env = env;
  let written: string | undefined;
  if (routesText !== undefined) {
    fileCount += 1;
    // A new name each time: rewriting one file in place costs a flush on some file systems.
    const name = `routes-${fileCount}.${fileCount % 2 === 0 ? 'yaml' : 'json'}`;
    written = join(dir, name);
    writeFileSync(written, routesText);
    full = { ...env, ROUTES_FILE: name };
  }
  const { config, issues } = loadConfig(full, { cwd: dir });
  if (written) unlinkSync(written);
  return {
    env: full,
    modes: resolveModes(config),
    routes: config.routes.list,
    issues: issues.map((i) => i.variable),
  };
}

type Finding = typeof findingArb extends fc.Arbitrary<infer F> ? F : never;

const decide = (w: World, finding: Finding) => decideRouted(finding, w.modes).decisions;
const routeNamed = (w: World, name: string | undefined) =>
  name === undefined ? undefined : w.routes.find((r) => r.name === name);

const DROP_REASONS = [
  'mode-disabled',
  'below-severity',
  'not-allowlisted',
  'no-repo',
  'duplicate',
  'silenced',
];
/** Per run: one environment and one routes file (read through loadConfig), then several findings. */
const RUNS = { numRuns: 150 };

interface Case {
  readonly finding: Finding;
  readonly silences: readonly SilenceRule[];
  readonly now: number;
}
const scenario = fc.record({
  env: envArb,
  file: routesFileArb,
  cases: fc.array(
    fc.record({
      finding: findingArb,
      silences: fc.array(silenceArb, { maxLength: 3 }),
      now: fc.integer({ min: 0, max: 20 }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

/** The property `check` for every finding of a random environment and routes file. */
function forEveryFinding(check: (w: World, c: Case) => void, runs: fc.Parameters<[unknown]> = RUNS): void {
  fc.assert(
    fc.property(scenario, ({ env, file, cases }) => {
      const w = world(env, file.text);
      for (const c of cases) check(w, c);
    }),
    runs,
  );
}

/** The same with a second world: the same environment without ROUTES_FILE. */
function forEveryFindingWithAndWithoutRoutes(check: (routed: World, plain: World, c: Case) => void): void {
  fc.assert(
    fc.property(scenario, ({ env, file, cases }) => {
      const routed = world(env, file.text);
      const plain = world(env, undefined);
      for (const c of cases) check(routed, plain, c);
    }),
    RUNS,
  );
}

const atLeast = (severity: string, floor: string) =>
  expect(rank(severity), `${severity} >= ${floor}`).toBeGreaterThanOrEqual(rank(floor));

describe('routes under the safety matrix (docs/contract.md §3, §4, §7): random route files, flags, secrets, silences and findings', () => {
  it('the generated routes files are valid: every route is loaded, no ROUTES_FILE issue', () => {
    fc.assert(
      fc.property(envArb, routesFileArb, (env, file) => {
        const w = world(env, file.text);
        expect(w.issues).not.toContain('ROUTES_FILE');
        expect(w.routes).toHaveLength(file.count);
      }),
      { numRuns: 150 },
    );
  });

  it('(a) Slack delivers only when §3 holds for the environment (SLACK_NOTIFICATIONS_ENABLED, and SLACK_ENABLE_STAGING / SLACK_ENABLE_PROD there) AND the chosen webhook’s secret (SLACK_WEBHOOK_URL, or SLACK_WEBHOOK_URL_<NAME> for a routed one) is set; with §3’s flags off it is `drop: mode-disabled` whatever the route; never dry-run', () => {
    forEveryFinding((w, { finding }) => {
      const oracle = contractMatrix(w.env);
      const slack = decide(w, finding).get('slack')!;
      expect(slack.do).not.toBe('dry-run');
      if (slack.do === 'deliver') {
        expect(oracle.slackFlags).toBe(true);
        const secret =
          slack.webhook === undefined ? 'SLACK_WEBHOOK_URL' : `SLACK_WEBHOOK_URL_${slack.webhook}`;
        expect(present(w.env[secret]), secret).toBe(true);
      }
      if (!oracle.slackFlags) expect(slack).toMatchObject({ do: 'drop', reason: 'mode-disabled' });
    });
  });

  it('(a) GitHub writes (deliver or dry-run) only when §3’s mode is not DISABLED and the effective repo (the route’s override, else the finding’s) is allowlisted; `deliver` only when §3’s mode is REAL; with the mode DISABLED it is `drop: mode-disabled` whatever the route', () => {
    forEveryFinding((w, { finding }) => {
      const oracle = contractMatrix(w.env);
      const github = decide(w, finding).get('github')!;
      if (github.do === 'drop') {
        if (oracle.github === 'DISABLED') expect(github.reason).toBe('mode-disabled');
        return;
      }
      expect(oracle.github).not.toBe('DISABLED');
      const repo = github.repo ?? finding.repo;
      expect(repo).toBeDefined();
      expect(oracle.allowlisted(repo!), repo).toBe(true);
      if (github.do === 'deliver') expect(oracle.github).toBe('REAL');
    });
  });

  it('(b) nothing below the environment’s floor (SLACK_MIN_SEVERITY, GITHUB_MIN_SEVERITY) is delivered or dry-run, nor below the deciding route’s minSeverity: a route only raises a floor', () => {
    forEveryFinding((w, { finding }) => {
      const oracle = contractMatrix(w.env);
      const decisions = decide(w, finding);
      for (const [channel, floor] of [
        ['slack', oracle.slackFloor],
        ['github', oracle.githubFloor],
      ] as const) {
        const decision = decisions.get(channel)!;
        if (decision.do === 'drop') continue;
        atLeast(finding.severity, floor);
        const spec = routeNamed(w, decision.route)?.[channel];
        if (typeof spec === 'object' && spec.minSeverity) atLeast(finding.severity, spec.minSeverity);
      }
    });
  });

  it('(c) a silence only removes deliveries: channel by channel, the decision with silences is the one without, except a deliver/dry-run that an active silence covering that channel and matching the finding turns into `drop: silenced` (its id, the same route); no other reason is new', () => {
    forEveryFinding((w, { finding, silences, now }) => {
      const matrix = decide(w, finding);
      const view = matchableFinding(finding);
      const silenced = applySilences(matrix, view, silences, now);
      expect([...silenced.keys()].sort()).toEqual([...matrix.keys()].sort());
      for (const [channel, after] of silenced) {
        const before = matrix.get(channel)!;
        const active = silences.filter(
          (s) =>
            (s.channel === undefined || s.channel === channel) &&
            s.startsAt <= now &&
            now < s.endsAt &&
            s.matches(view),
        );
        if (before.do === 'drop' || active.length === 0) {
          expect(after).toEqual(before);
        } else {
          expect(after).toMatchObject({ do: 'drop', reason: 'silenced' });
          expect(active.map((s) => s.id)).toContain((after as { silenceId?: string }).silenceId);
          expect(after.route).toBe(before.route);
        }
      }
    });
  });

  it('(d) each channel has exactly one decision, of §4’s kinds, decided by at most one route: the first matching route naming that channel, reached through `continue` (a matching route without it ends the walk), else the default; the route’s webhook or repo is the one the decision carries', () => {
    forEveryFinding((w, { finding, silences, now }) => {
      const view = matchableFinding(finding);
      const decisions = applySilences(decide(w, finding), view, silences, now);
      expect([...decisions.keys()].sort()).toEqual(['github', 'slack']);
      for (const [channel, decision] of decisions as Map<ChannelName, Decision>) {
        if (decision.do === 'drop') expect(DROP_REASONS).toContain(decision.reason);
        else expect(['deliver', 'dry-run']).toContain(decision.do);
        // §7 read independently (matching itself is matchers.ts's, tested there).
        let expected: string | undefined;
        for (const route of w.routes) {
          if (!compileMatchers(route.matchers)(view)) continue;
          if (route[channel] !== undefined) {
            expected = route.name;
            break;
          }
          if (!route.continue) break;
        }
        expect(decision.route, channel).toBe(expected);
        const spec = routeNamed(w, decision.route)?.[channel];
        if (spec === 'off') expect(decision).toMatchObject({ do: 'drop', reason: 'mode-disabled' });
        if (channel === 'slack' && decision.do === 'deliver')
          expect(decision.webhook).toBe(
            typeof spec === 'object' && 'webhook' in spec ? spec.webhook : undefined,
          );
        if (channel === 'github' && decision.do !== 'drop')
          expect(decision.repo).toBe(typeof spec === 'object' && 'repo' in spec ? spec.repo : undefined);
      }
    });
  });

  it('(e) removing every route never turns a drop the matrix made into a delivery: a GitHub drop for mode-disabled (not by a route’s `off`) or for not-allowlisted on the finding’s own repo (no override), and a Slack mode-disabled drop on the default webhook (not `off`, no routed webhook), stay drops without ROUTES_FILE', () => {
    forEveryFindingWithAndWithoutRoutes((routed, plain, { finding }) => {
      const withRoutes = decide(routed, finding);
      const without = decide(plain, finding);
      const github = withRoutes.get('github')!;
      const githubSpec = routeNamed(routed, github.route)?.github;
      if (
        github.do === 'drop' &&
        ((github.reason === 'mode-disabled' && githubSpec !== 'off') ||
          (github.reason === 'not-allowlisted' && !(typeof githubSpec === 'object' && githubSpec.repo)))
      )
        expect(without.get('github')!.do).toBe('drop');
      const slack = withRoutes.get('slack')!;
      const slackSpec = routeNamed(routed, slack.route)?.slack;
      if (
        slack.do === 'drop' &&
        slack.reason === 'mode-disabled' &&
        slackSpec !== 'off' &&
        !(typeof slackSpec === 'object' && slackSpec.webhook)
      )
        expect(without.get('slack')!.do).toBe('drop');
    });
  });

  it('(e′) conversely, routes open nothing the default closes except another target the matrix allows: a Slack delivery the default drops is a routed webhook, the flags holding and SLACK_WEBHOOK_URL unusable; a GitHub write the default drops (not-allowlisted, no-repo) is an allowlisted repo override; below-severity stays dropped; deliver vs dry-run never changes', () => {
    forEveryFindingWithAndWithoutRoutes((routed, plain, { finding }) => {
      const withRoutes = decide(routed, finding);
      const without = decide(plain, finding);
      const slackBefore = without.get('slack')!;
      const slackAfter = withRoutes.get('slack')!;
      if (slackBefore.do === 'drop' && slackAfter.do !== 'drop') {
        expect(slackBefore.reason).toBe('mode-disabled');
        expect(slackAfter.webhook).toBeDefined();
        expect(plain.modes.slack.status).toBe('MISCONFIGURED');
        expect(contractMatrix(routed.env).slackFlags).toBe(true);
      }
      const githubBefore = without.get('github')!;
      const githubAfter = withRoutes.get('github')!;
      if (githubBefore.do === 'drop' && githubAfter.do !== 'drop') {
        expect(['not-allowlisted', 'no-repo']).toContain(githubBefore.reason);
        expect(githubAfter.repo).toBeDefined();
        expect(contractMatrix(routed.env).allowlisted(githubAfter.repo!)).toBe(true);
      }
      if (githubBefore.do !== 'drop' && githubAfter.do !== 'drop')
        expect(githubAfter.do).toBe(githubBefore.do);
      for (const channel of ['slack', 'github'] as const) {
        const before = without.get(channel)!;
        if (before.do === 'drop' && before.reason === 'below-severity')
          expect(withRoutes.get(channel)!.do, channel).toBe('drop');
      }
    });
  });

  it('a bad DEPLOYMENT_ENV or flag spelling is a configuration issue (the worker refuses to start) and meanwhile resolves as closed as the oracle: an unknown environment is prod', () => {
    fc.assert(
      fc.property(envArb, (env) => {
        const w = world(env, undefined);
        if (env.DEPLOYMENT_ENV === 'qa') expect(w.issues).toContain('DEPLOYMENT_ENV');
        for (const name of [
          'SLACK_NOTIFICATIONS_ENABLED',
          'GITHUB_ISSUE_CREATION_ENABLED',
          'DRY_RUN',
        ] as const) {
          const value = env[name]?.trim().toLowerCase();
          if (value && !TRUTHY.has(value) && !FALSY.has(value)) expect(w.issues).toContain(name);
        }
        expect(w.modes.env).toBe(contractMatrix(w.env).env);
      }),
      { numRuns: 300 },
    );
  });

  // A fixed seed: the same sample every time (not flaky); when the generators change and stop
  // reaching a branch, this says which.
  it('the generators reach every branch these properties are about (so none of them holds vacuously)', () => {
    const seen = new Map<string, number>();
    const add = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    forEveryFinding(
      (w, { finding, silences, now }) => {
        const decisions = decide(w, finding);
        for (const [channel, d] of decisions) {
          const target =
            d.do === 'drop'
              ? d.reason
              : 'webhook' in d && d.webhook
                ? 'webhook'
                : 'repo' in d && d.repo
                  ? 'repo'
                  : '';
          add(`${channel} ${d.do} ${target} ${d.route ? 'routed' : 'default'}`);
        }
        for (const [channel, d] of applySilences(decisions, matchableFinding(finding), silences, now))
          if (d.do === 'drop' && d.reason === 'silenced') add(`${channel} silenced`);
      },
      { ...RUNS, seed: 20261208 },
    );
    for (const key of [
      'slack deliver  default',
      'slack deliver webhook routed',
      'slack drop below-severity routed',
      'slack drop mode-disabled routed',
      'slack silenced',
      'github deliver  default',
      'github deliver repo routed',
      'github dry-run  default',
      'github dry-run repo routed',
      'github drop not-allowlisted routed',
      'github drop below-severity routed',
      'github drop no-repo default',
      'github silenced',
    ])
      expect(seen.get(key) ?? 0, key).toBeGreaterThan(0);
  });
});
