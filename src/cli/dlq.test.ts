import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseDlqArgs, runDlq } from './dlq.js';
import { dlqUsage } from './help.js';
import { type CommandIO, UsageError } from './io.js';

const io: CommandIO = {
  env: {},
  stdout: () => {},
  stderr: () => {},
  stdin: Readable.from([]),
  cwd: '/nonexistent-dir-for-tests',
  signal: new AbortController().signal,
};

async function usageError(args: string[]): Promise<string> {
  const error = await runDlq(args, io).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return (error as UsageError).message;
}

describe('dlq usage errors (main prints usage and exits 2)', () => {
  it('refuses a missing or unknown subcommand', async () => {
    expect(await usageError([])).toMatch(/missing subcommand/);
    expect(await usageError(['show'])).toBe('unknown subcommand "show": stats, list, replay or purge');
  });

  it('requires a selector for replay and purge, and --all alone', async () => {
    expect(await usageError(['replay'])).toBe('replay needs a selector: --id, --reason or --all');
    expect(await usageError(['replay', '--dry-run'])).toMatch(/needs a selector/);
    expect(await usageError(['purge', '--yes'])).toBe(
      'purge needs a selector: --id, --reason, --older-than or --all',
    );
    expect(await usageError(['replay', '--all', '--reason', 'invalid-json'])).toMatch(
      /--all cannot be combined/,
    );
  });

  it('refuses bad values and options of other subcommands', async () => {
    expect(await usageError(['purge', '--older-than', '7 days'])).toMatch(/--older-than takes a duration/);
    expect(await usageError(['purge', '--older-than', '0h'])).toMatch(/--older-than/);
    expect(await usageError(['list', '--limit', '0'])).toMatch(/--limit must be a positive whole number/);
    expect(await usageError(['list', '--limit', 'ten'])).toMatch(/--limit/);
    expect(await usageError(['replay', '--older-than', '1d'])).toMatch(/older-than/);
    expect(await usageError(['stats', '--reason', 'x'])).toMatch(/reason/);
    expect(await usageError(['stats', 'extra'])).toMatch(/extra/);
  });

  it('documents every subcommand in its usage', () => {
    for (const word of ['stats', 'list', 'replay', 'purge', '--older-than', '--dry-run', '--yes']) {
      expect(dlqUsage).toContain(word);
    }
  });
});

describe('parseDlqArgs', () => {
  it('reads repeated --id and the purge options', () => {
    expect(parseDlqArgs(['purge', '--id', 'a', '--id', 'b', '--older-than', '6h', '--dry-run'])).toEqual({
      command: 'purge',
      filter: { ids: ['a', 'b'], reason: undefined, agent: undefined, olderThanMs: 21_600_000 },
      dryRun: true,
      yes: false,
    });
    expect(parseDlqArgs(['list'])).toMatchObject({ command: 'list', limit: 100, json: false });
    expect(parseDlqArgs(['replay', '--all'])).toMatchObject({ command: 'replay', filter: {}, dryRun: false });
  });
});
