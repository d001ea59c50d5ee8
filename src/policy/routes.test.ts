import { describe, expect, it } from 'vitest';
import { parseRoutesText, type RouteSpec } from '../config/routes-file.js';
import { decideChannels, type ResolvedModes } from './decide-channels.js';
import type { MatchableFinding } from './matchers.js';
import { chooseRoutes, compileRoutes } from './routes.js';
import type { SlackResolution } from './safety-matrix.js';

const routesOf = (yaml: string): RouteSpec[] => {
  const parsed = parseRoutesText(yaml);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return [...parsed.routes];
};

const finding = (over: Partial<MatchableFinding> = {}): MatchableFinding => ({
  agent: 'secret-scanner',
  fingerprint: 'fp',
  repo: 'acme/web',
  severity: 'high',
  title: 't',
  labels: [],
  ...over,
});

const ROUTES = compileRoutes(
  routesOf(`
routes:
  - name: secrets
    match: ["agent=secret-scanner"]
    slack: { webhook: SECURITY, minSeverity: high }
    github: { repo: acme/security-triage }
  - name: licences
    match: ["agent=~license-.*"]
    slack: off
    continue: true
  - name: licence-issues
    match: ["agent=license-checker"]
    slack: { webhook: LEGAL }
    github: { minSeverity: critical }
  - name: never-reached
    match: []
    github: off
`),
);

const enabled: SlackResolution = { mode: 'ENABLED', status: 'ENABLED', reason: '', label: 'DEV' };
const modes: ResolvedModes = {
  env: 'dev',
  slack: enabled,
  github: { mode: 'REAL', status: 'ENABLED', reason: '', titlePrefix: '[DEV] ' },
  slackMinSeverity: 'low',
  githubMinSeverity: 'info',
  repoAllowlist: ['acme/*'],
  routes: ROUTES,
  routeWebhooks: new Map([
    ['SECURITY', enabled],
    ['LEGAL', { ...enabled, mode: 'DISABLED', status: 'MISCONFIGURED' }],
  ]),
};

const decide = (f: MatchableFinding) =>
  Object.fromEntries(
    decideChannels({ severity: f.severity as 'high', repo: f.repo }, modes, chooseRoutes(f, ROUTES)),
  );

describe('chooseRoutes', () => {
  it('the first matching route takes the finding; without continue nothing after it is tried', () => {
    const chosen = chooseRoutes(finding(), ROUTES);
    expect(chosen.slack?.name).toBe('secrets');
    expect(chosen.github?.name).toBe('secrets');
  });

  it('continue lets later routes decide the channels still undecided, never one already decided', () => {
    const chosen = chooseRoutes(finding({ agent: 'license-checker' }), ROUTES);
    expect(chosen.slack?.name).toBe('licences');
    expect(chosen.github?.name).toBe('licence-issues');
  });

  it('a channel the taking route does not name follows the default', () => {
    const chosen = chooseRoutes(finding({ agent: 'license-other' }), ROUTES);
    expect(chosen.slack?.name).toBe('licences');
    // licences continues, licence-issues does not match, never-reached takes github.
    expect(chosen.github?.name).toBe('never-reached');
    expect(
      chooseRoutes(
        finding({ agent: 'dep-scanner' }),
        compileRoutes(routesOf('routes: [{name: x, match: ["agent=y"]}]')),
      ),
    ).toEqual({});
  });
});

describe('decideChannels with routes', () => {
  it('sends to the route’s webhook and repo override, with the route named', () => {
    expect(decide(finding())).toEqual({
      slack: { do: 'deliver', route: 'secrets', webhook: 'SECURITY' },
      github: { do: 'deliver', route: 'secrets', repo: 'acme/security-triage' },
    });
  });

  it('a route floor can only raise the environment floor', () => {
    expect(decide(finding({ severity: 'medium' })).slack).toEqual({
      do: 'drop',
      reason: 'below-severity',
      route: 'secrets',
    });
    const lowered = compileRoutes(routesOf('routes: [{name: low, match: [], slack: {minSeverity: info}}]'));
    expect(
      decideChannels(
        { severity: 'info' },
        { ...modes, routes: lowered },
        chooseRoutes(finding({ severity: 'info' }), lowered),
      ).get('slack'),
    ).toEqual({ do: 'drop', reason: 'below-severity', route: 'low' });
  });

  it('off drops with mode-disabled and the route; an unset or closed webhook drops too', () => {
    const licence = decide(finding({ agent: 'license-checker', severity: 'critical' }));
    expect(licence.slack).toEqual({ do: 'drop', reason: 'mode-disabled', route: 'licences' });
    expect(licence.github).toEqual({ do: 'deliver', route: 'licence-issues' });
    const legal = compileRoutes(
      routesOf(
        'routes: [{name: legal, match: [], slack: {webhook: LEGAL}}, {name: unknown, match: [], slack: {webhook: NOPE}}]',
      ),
    );
    expect(decideChannels({ severity: 'high' }, modes, chooseRoutes(finding(), legal)).get('slack')).toEqual({
      do: 'drop',
      reason: 'mode-disabled',
      route: 'legal',
    });
  });

  it('a repo override still needs the allowlist', () => {
    const outside = compileRoutes(routesOf('routes: [{name: out, match: [], github: {repo: other/triage}}]'));
    expect(
      decideChannels({ severity: 'high', repo: 'acme/web' }, modes, chooseRoutes(finding(), outside)).get(
        'github',
      ),
    ).toEqual({
      do: 'drop',
      reason: 'not-allowlisted',
      route: 'out',
    });
  });

  it('a routed webhook never opens Slack where the default is closed by the flags', () => {
    const closed: ResolvedModes = {
      ...modes,
      slack: { ...enabled, mode: 'DISABLED', status: 'DISABLED' },
      routeWebhooks: new Map([['SECURITY', { ...enabled, mode: 'DISABLED', status: 'DISABLED' }]]),
    };
    expect(
      decideChannels({ severity: 'critical' }, closed, chooseRoutes(finding(), ROUTES)).get('slack'),
    ).toEqual({
      do: 'drop',
      reason: 'mode-disabled',
      route: 'secrets',
    });
  });
});
