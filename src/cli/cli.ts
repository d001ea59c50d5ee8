import { type Command, commands, renderUsage } from './commands.js';
import { type CommandIO, UsageError } from './io.js';
import { packageVersion } from './version.js';

const HELP_FLAGS = new Set(['--help', '-h']);
const VERSION_FLAGS = new Set(['--version', '-V']);

/** True when a help flag stands among the options (before a `--`, after which all is positional). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => HELP_FLAGS.has(a));
}

function printHelp(command: Command, io: CommandIO): number {
  io.stdout(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
  return 0;
}

/**
 * argv (without node and the script) → exit code. No command: usage on stderr, 2. `--help`,
 * `-h`, `help`: usage on stdout, 0; `help <command>` and `<command> … --help`: that command's
 * full help, 0. `--version`, `-V`, `version`: the package version, 0. A usage error: the message
 * and the command's usage on stderr, 2.
 */
export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr(renderUsage());
    return 2;
  }
  if (VERSION_FLAGS.has(name)) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (HELP_FLAGS.has(name) || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    if (topic === undefined) {
      io.stdout(renderUsage());
      return 0;
    }
    const command = Object.hasOwn(commands, topic) ? commands[topic] : undefined;
    if (!command) {
      io.stderr(`finding-relay: unknown command "${topic}"\n\n${renderUsage()}`);
      return 2;
    }
    return printHelp(command, io);
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr(`finding-relay: unknown command "${name}"\n\n${renderUsage()}`);
    return 2;
  }
  if (asksForHelp(args)) return printHelp(command, io);
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `finding-relay ${name}: ${error.message}\nUsage: ${command.usage}\n(finding-relay ${name} --help for more)\n`,
      );
      return 2;
    }
    throw error;
  }
}
