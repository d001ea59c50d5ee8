/** What a command may touch of the outside world; main.ts passes the real ones, tests their own. */
export interface CommandIO {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard error is a terminal: progress may be drawn there (never when piped). */
  readonly stderrIsTTY?: boolean;
  readonly stdin: NodeJS.ReadableStream;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** Thrown for a bad command line: main prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
