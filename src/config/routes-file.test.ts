import { describe, expect, it } from 'vitest';
import { parseRoutesText, routedWebhooks, webhookWindows } from './routes-file.js';

const CONTRACT_EXAMPLE = `
routes:
  - name: secrets
    match: ["agent=secret-scanner"]
    slack: { webhook: SECURITY, minSeverity: high }   # URL from the secret SLACK_WEBHOOK_URL_SECURITY
    github: { repo: acme/security-triage }             # still subject to GITHUB_REPO_ALLOWLIST
  - name: licences
    match: ["agent=~license-.*"]
    slack: off
`;

const problemsOf = (text: string) => {
  const parsed = parseRoutesText(text);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
};

describe('parseRoutesText', () => {
  it("reads docs/contract.md §7's example into typed routes, in order", () => {
    const parsed = parseRoutesText(CONTRACT_EXAMPLE);
    expect(parsed).toEqual({
      ok: true,
      routes: [
        {
          name: 'secrets',
          match: ['agent=secret-scanner'],
          matchers: [{ key: 'agent', op: '=', value: 'secret-scanner' }],
          slack: { webhook: 'SECURITY', minSeverity: 'high' },
          github: { repo: 'acme/security-triage' },
          continue: false,
        },
        {
          name: 'licences',
          match: ['agent=~license-.*'],
          matchers: [{ key: 'agent', op: '=~', value: 'license-.*' }],
          slack: 'off',
          continue: false,
        },
      ],
    });
  });

  it('reads the same routes written as JSON', () => {
    const json = JSON.stringify({
      routes: [{ name: 'all', match: [], github: 'off', continue: true }],
    });
    expect(parseRoutesText(json)).toEqual({
      ok: true,
      routes: [{ name: 'all', match: [], matchers: [], github: 'off', continue: true }],
    });
  });

  it('an empty file is no routes', () => {
    expect(parseRoutesText('')).toEqual({ ok: true, routes: [] });
    expect(parseRoutesText('routes: []')).toEqual({ ok: true, routes: [] });
  });

  it('names every bad route and field at once', () => {
    const problems = problemsOf(`
routes:
  - name: a
    match: ["agentx=1", "title=~(("]
    slack: { webhook: security, minSeverity: urgent, extra: 1 }
    github: on
  - match: []
  - name: c
    match: "agent=x"
    continue: maybe
`);
    expect(problems).toEqual([
      expect.stringMatching(/^route 1 "a": match\[0\]: matcher "agentx=1": unknown key "agentx"/),
      expect.stringMatching(/^route 1 "a": match\[1\]: matcher "title=~\(\(": invalid regular expression/),
      expect.stringMatching(/^route 1 "a": slack\.webhook: expected an upper-case name/),
      'route 1 "a": slack.minSeverity: expected one of info, low, medium, high, critical',
      'route 1 "a": slack: unknown field extra',
      'route 1 "a": github: expected "off" or an object',
      'route 2: name: expected a name',
      'route 3 "c": match: expected a list of matchers, e.g. ["agent=secret-scanner"]',
      'route 3 "c": continue: expected true or false',
    ]);
  });

  it('rejects a repo override that is not owner/name, and unknown top-level fields', () => {
    expect(problemsOf('routes: [{name: a, match: [], github: {repo: "not a repo"}}]')).toEqual([
      'route 1 "a": github.repo: expected owner/name',
    ]);
    expect(problemsOf('routes: []\nroute: []')).toEqual(['unknown field route']);
    expect(problemsOf('- a')).toEqual(['expected an object with a "routes" list']);
  });

  it('reports a duplicate route name', () => {
    expect(problemsOf('routes: [{name: a, match: []}, {name: a, match: []}]')).toEqual([
      'route 2 "a": name: another route has this name',
    ]);
  });

  it('a window needs a named webhook, and one webhook has one window', () => {
    expect(problemsOf('routes: [{name: a, match: [], slack: {batchWindowMs: 1000}}]')).toEqual([
      expect.stringMatching(/^route 1 "a": slack\.batchWindowMs: needs slack\.webhook/),
    ]);
    expect(
      problemsOf(
        'routes: [{name: a, match: [], slack: {webhook: A, batchWindowMs: 1000}}, {name: b, match: [], slack: {webhook: A, batchWindowMs: 2000}}]',
      ),
    ).toEqual([
      expect.stringMatching(/^route "b": slack\.batchWindowMs: 2000 differs from route "a" \(1000\)/),
    ]);
  });

  it('says where YAML is broken', () => {
    expect(problemsOf('routes: [ {name: x')).toEqual([
      expect.stringMatching(/^not valid YAML or JSON: .*line 1/),
    ]);
    expect(problemsOf('routes: []\nroutes: []')).toEqual([
      expect.stringMatching(/^not valid YAML or JSON: /),
    ]);
  });

  it('lists the webhooks the routes name and the windows they set', () => {
    const parsed = parseRoutesText(
      'routes: [{name: a, match: [], slack: {webhook: A, batchWindowMs: 1000}}, {name: b, match: [], slack: {webhook: B}}, {name: c, match: [], slack: {webhook: A}}]',
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    expect(routedWebhooks(parsed.routes)).toEqual(['A', 'B']);
    expect([...webhookWindows(parsed.routes)]).toEqual([['A', 1000]]);
  });
});
