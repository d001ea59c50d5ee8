#!/usr/bin/env node
import { runCli } from './cli/cli.js';
import type { CommandIO } from './cli/io.js';
import { installLastResortHandlers, redactSecretsOf } from './cli/last-resort.js';

/** The bin entry: argv → runCli; SIGINT/SIGTERM → an AbortSignal; a second signal exits at once. */
async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`finding-relay: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    controller.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CommandIO = {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    stdin: process.stdin,
    cwd: process.cwd(),
    signal: controller.signal,
  };
  try {
    return await runCli(argv, io);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// Fail fast: a supervisor restarts the process; a silent hang helps nobody. Through the redactor.
installLastResortHandlers();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `finding-relay: ${redactSecretsOf(error instanceof Error ? error.message : String(error))}\n`,
    );
    process.exitCode = 1;
  },
);
