import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testFindingInput } from '../finding/test-findings.js';
import { runCheck } from './check.js';
import { runSilence } from './silence.js';
import { testIO } from './test-io.js';

const sample = testFindingInput({
  id: 'sample-1',
  source: { agent: 'dep-scanner' },
  severity: 'high',
  repo: 'acme/x',
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'check-silences-'));
  const file = join(dir, 'f.json');
  await writeFile(file, JSON.stringify(sample));
  const env = {
    DEPLOYMENT_ENV: 'dev',
    GITHUB_ISSUE_CREATION_ENABLED: 'true',
    GITHUB_REPO_ALLOWLIST: 'acme/*',
    STATE_URI: `sqlite://${join(dir, 'state.db')}`,
  };
  return { dir, file, env };
}

describe('check --finding and silences', () => {
  it('names the silence that would mute the finding, per channel it covers', async () => {
    const { file, env } = await setup();
    const add = testIO(env);
    await runSilence(
      [
        'add',
        '--match',
        'agent=dep-scanner',
        '--for',
        '1h',
        '--reason',
        'noisy',
        '--author',
        'ana',
        '--channel',
        'github',
      ],
      add.io,
    );
    const id = add.stdout().trim();
    const json = testIO(env);
    await runCheck(['--json', '--finding', file], json.io);
    const route = JSON.parse(json.stdout()).route;
    expect(route.channels.github).toMatchObject({
      decision: 'drop',
      reason: 'silenced',
      silence: { id, matchers: ['agent=dep-scanner'], author: 'ana', reason: 'noisy' },
    });
    expect(route.channels.slack).toEqual({ decision: 'drop', reason: 'mode-disabled' });
    const text = testIO(env);
    await runCheck(['--finding', file], text.io);
    expect(text.stdout()).toMatch(
      new RegExp(`github  drop \\(silenced by ${id} until .*: agent=dep-scanner; ana: noisy\\)`),
    );
  });

  it('a state file that does not exist yet holds no silences and is not created', async () => {
    const { dir, file, env } = await setup();
    const t = testIO(env);
    await runCheck(['--json', '--finding', file], t.io);
    expect(JSON.parse(t.stdout()).route.channels.github).toEqual({ decision: 'dry-run' });
    expect(existsSync(join(dir, 'state.db'))).toBe(false);
  });
});
