import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigIssues, loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'routes-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};
const SECRET = 'https://hooks.slack.com/services/T000/B000/routedsecretvalue';

describe('ROUTES_FILE in loadConfig', () => {
  it('reads the routes relative to the working directory and each routed webhook secret', () => {
    const name = file(
      'ok.yaml',
      'routes:\n  - name: secrets\n    match: ["agent=secret-scanner"]\n    slack: { webhook: SECURITY }\n  - name: ops\n    match: []\n    slack: { webhook: OPS }\n',
    );
    const { config, issues } = loadConfig(
      { DEPLOYMENT_ENV: 'dev', ROUTES_FILE: name, SLACK_WEBHOOK_URL_SECURITY: SECRET },
      { cwd: dir },
    );
    expect(issues).toEqual([]);
    expect(config.routes.file).toBe(join(dir, name));
    expect(config.routes.list.map((r) => r.name)).toEqual(['secrets', 'ops']);
    expect(config.slack.routeWebhooks).toEqual({ SECURITY: SECRET, OPS: undefined });
  });

  it('a missing file is one issue naming it; the routes fall back to none', () => {
    const { config, issues } = loadConfig({ DEPLOYMENT_ENV: 'dev', ROUTES_FILE: 'nope.yaml' }, { cwd: dir });
    expect(issues).toEqual([
      {
        variable: 'ROUTES_FILE',
        concern: 'routes',
        message: `ROUTES_FILE: cannot read ${join(dir, 'nope.yaml')}: no such file`,
      },
    ]);
    expect(config.routes.list).toEqual([]);
  });

  it('every problem of a bad file and every other bad variable are named together', () => {
    const name = file(
      'bad.yaml',
      'routes:\n  - name: a\n    match: ["nope"]\n    slack: { webhook: lower }\n',
    );
    const result = loadConfig({ DEPLOYMENT_ENV: 'dev', ROUTES_FILE: name, PORT: 'x' }, { cwd: dir });
    expect(result.issues.map((i) => i.variable)).toEqual(['ROUTES_FILE', 'ROUTES_FILE', 'PORT']);
    const text = formatConfigIssues(result.issues);
    expect(text).toContain('3 problems');
    expect(text).toContain('route 1 "a": match[0]: matcher "nope"');
    expect(text).toContain('route 1 "a": slack.webhook:');
  });

  it("a routed webhook's bad URL is an issue that never shows the value", () => {
    const name = file('one.yaml', 'routes: [{name: a, match: [], slack: {webhook: SEC}}]');
    const bad = 'http://hooks.example.com/services/secret-part';
    const { issues } = loadConfig(
      { DEPLOYMENT_ENV: 'dev', ROUTES_FILE: name, SLACK_WEBHOOK_URL_SEC: bad },
      { cwd: dir },
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ variable: 'SLACK_WEBHOOK_URL_SEC', concern: 'slack' });
    expect(issues[0]!.message).toContain('the value is not shown');
    expect(issues[0]!.message).not.toContain('secret-part');
  });
});
