import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { commands } from './commands.js';
import { testIO } from './test-io.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function cli(...argv: string[]) {
  const t = testIO({});
  const code = await runCli(argv, t.io);
  return { code, out: t.stdout(), err: t.stderr() };
}

/** A line of a command's full help that its one-line usage does not have. */
const FULL_HELP_LINE: Record<string, string> = {
  worker: 'settles every message in hand',
  setup: 'Safe to run again',
  publish: 'nothing of the file is published',
  dlq: 'Reasons: invalid-json, invalid-schema',
  ledger: '--since DATE  only records at or after DATE',
  smoke: '--allow-real  when GitHub is REAL',
  check: '--finding FILE  also route one sample finding',
  silence: 'regexes anchored',
  version: 'Prints the version',
};

describe('finding-relay help and version', () => {
  it('prints usage on stderr with exit 2 when no command is given', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('Usage: finding-relay <command>');
    for (const name of Object.keys(commands)) expect(r.err).toContain(`  ${name}`);
  });

  it.each(['--help', '-h', 'help'])('prints usage on stdout with exit 0 for %s', async (flag) => {
    const r = await cli(flag);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('Usage: finding-relay <command>');
    expect(r.out).toContain('--help');
  });

  it('has a full help text for every command', () => {
    expect(Object.keys(FULL_HELP_LINE).sort()).toEqual(Object.keys(commands).sort());
  });

  it.each(Object.entries(FULL_HELP_LINE))(
    '`%s --help` prints that command in full, exit 0',
    async (name, line) => {
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ]) {
        const r = await cli(...argv);
        expect(r, argv.join(' ')).toMatchObject({ code: 0, err: '' });
        expect(r.out).toMatch(new RegExp(`^Usage: finding-relay ${name}`));
        expect(r.out).toContain(line);
        expect(r.out.endsWith('\n')).toBe(true);
      }
    },
  );

  it('prints the full help after a subcommand or other options too (dlq replay --help), and runs nothing', async () => {
    for (const argv of [
      ['dlq', 'replay', '--help'],
      ['dlq', 'purge', '--all', '-h'],
      ['ledger', 'show', '--help'],
      ['check', '--json', '--help'],
      ['publish', 'findings.jsonl', '--help'],
    ]) {
      const r = await cli(...argv);
      expect(r, argv.join(' ')).toMatchObject({ code: 0, err: '' });
      expect(r.out).toContain(`Usage: finding-relay ${argv[0]}`);
      expect(r.out).toContain(FULL_HELP_LINE[argv[0]!]);
    }
  });

  it('takes --help after -- as an argument, not as a request for help', async () => {
    const r = await cli('version', '--', '--help');
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: finding-relay version');
  });

  it.each([['--version'], ['-V'], ['version']])('%s prints the package version, exit 0', async (...argv) => {
    const r = await cli(...argv);
    expect(r).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  it('refuses an unknown command or help topic with exit 2, naming it', async () => {
    for (const argv of [['wrker'], ['help', 'wrker'], ['toString']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain(`unknown command "${argv.at(-1)}"`);
      expect(r.err).toContain('Usage: finding-relay <command>');
    }
  });

  it('answers a usage error with the message, the one-line usage and where the full help is (exit 2)', async () => {
    const r = await cli('check', '--jsn');
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown option '--jsn'");
    expect(r.err).toContain('Usage: finding-relay check [--json]');
    expect(r.err).toContain('finding-relay check --help');
  });
});
