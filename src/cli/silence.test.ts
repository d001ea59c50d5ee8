import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from './io.js';
import { parseSilenceArgs, runSilence } from './silence.js';
import { testIO } from './test-io.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'silence-cli-'));
  env = { DEPLOYMENT_ENV: 'dev', STATE_URI: `sqlite://${join(dir, 'state.db')}` };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let ids = 0;
const deps = (now = T0) => ({ now: () => now, newId: () => `s${++ids}`, user: () => 'ana' });
async function run(args: string[], now = T0) {
  const t = testIO(env);
  const code = await runSilence(args, t.io, deps(now));
  return { code, out: t.stdout(), err: t.stderr() };
}

describe('parseSilenceArgs', () => {
  const usage = (args: string[]) => {
    try {
      parseSilenceArgs(args);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('no usage error');
  };

  it('names every problem at once', () => {
    const message = usage(['add', '--match', 'team=x', '--match', 'title=~(', '--for', '0m']);
    expect(message).toContain('matcher "team=x": unknown key "team"');
    expect(message).toContain('matcher "title=~(": invalid regular expression');
    expect(message).toContain('--for takes a duration');
    expect(message).toContain('--reason is required');
  });

  it('wants exactly one of --for and --until, and a known channel', () => {
    expect(usage(['add', '--match', 'agent=a', '--reason', 'r'])).toContain('exactly one of --for');
    expect(
      usage(['add', '--match', 'agent=a', '--reason', 'r', '--for', '1h', '--until', '2030-01-01']),
    ).toContain('exactly one of --for');
    expect(
      usage(['add', '--match', 'agent=a', '--reason', 'r', '--for', '1h', '--channel', 'email']),
    ).toContain('--channel takes slack or github');
    expect(usage(['add', '--reason', 'r', '--for', '1h'])).toContain('--match is required');
    expect(usage(['expire'])).toContain('exactly one silence ID');
    expect(usage(['mute'])).toContain('unknown subcommand "mute"');
  });
});

describe('runSilence on a sqlite state', () => {
  it('add prints the id; list shows it; expire ends it; list --all still shows it', async () => {
    const added = await run([
      'add',
      '--match',
      'agent=dep-scanner',
      '--match',
      'severity=~low|info',
      '--for',
      '2h',
      '--reason',
      'noisy rollout',
    ]);
    expect(added).toMatchObject({ code: 0, err: '' });
    const id = added.out.trim();
    const listed = await run(['list'], T0 + 30 * 60_000);
    expect(listed.out).toContain(`${id}  1h 30m left  slack+github  agent=dep-scanner severity=~low|info`);
    expect(listed.out).toContain('by ana: noisy rollout');
    expect((await run(['expire', id], T0 + 60 * 60_000)).out).toBe(`expired ${id}\n`);
    expect((await run(['list'], T0 + 61 * 60_000)).out).toBe('no active silences in dev\n');
    expect((await run(['list', '--all'], T0 + 61 * 60_000)).out).toContain(`${id}  ended 1m ago`);
    expect(await run(['expire', 'nope'])).toMatchObject({ code: 1, err: 'no silence nope in dev\n' });
  });

  it('--json prints the whole silence; --until and --channel and --author are kept', async () => {
    const added = await run([
      'add',
      '--match',
      'repo=acme/api',
      '--until',
      '2026-12-08T10:00:00Z',
      '--reason',
      'migration',
      '--channel',
      'github',
      '--author',
      'bo',
      '--json',
    ]);
    const silence = JSON.parse(added.out);
    expect(silence).toMatchObject({
      matchers: ['repo=acme/api'],
      channel: 'github',
      author: 'bo',
      reason: 'migration',
      startsAt: '2026-12-07T10:00:00.000Z',
      endsAt: '2026-12-08T10:00:00.000Z',
    });
    const listed = JSON.parse((await run(['list', '--json'])).out);
    expect(listed).toEqual([silence]);
  });

  it('an --until in the past is a usage error', async () => {
    await expect(
      run(['add', '--match', 'agent=a', '--until', '2020-01-01T00:00:00Z', '--reason', 'r']),
    ).rejects.toThrow(/--until must be in the future/);
  });

  it('without STATE_URI (outside dev) it says so', async () => {
    env = { DEPLOYMENT_ENV: 'staging' };
    const listed = await run(['list']);
    expect(listed.code).not.toBe(0);
    expect(listed.err).toMatch(/STATE_URI/);
  });
});
