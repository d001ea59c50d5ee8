import { createRedactor } from '../observability/redact.js';

/** The environment variables that hold secrets: the token, the webhook and the routes' webhooks. */
function secretsIn(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name]) => name === 'GITHUB_TOKEN' || /^SLACK_WEBHOOK_URL(?:_[A-Z0-9_]+)?$/.test(name))
    .flatMap(([, value]) => (value?.trim() ? [value.trim()] : []));
}

function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'a value that cannot be shown';
  }
}

/** Text through the one redactor of the secrets in `env`; never throws. */
export function redactSecretsOf(
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  try {
    return createRedactor(secretsIn(env))(text);
  } catch {
    return '(details not shown)';
  }
}

/**
 * The line a crash writes to stderr: what happened, with the message and stack through the one
 * redactor of the secrets in `env` (an error may quote a URL or a header). Never throws.
 */
export function crashReport(
  what: string,
  error: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  let redact: (text: string) => string;
  try {
    redact = createRedactor(secretsIn(env));
  } catch {
    return `finding-relay: ${what} (its details are not shown)\n`;
  }
  return `finding-relay: ${what}: ${redact(describeThrown(error))}\n`;
}

/**
 * Fail fast, and quietly about secrets: an unhandled rejection or uncaught exception is written
 * through the redactor and the process exits 1 (a supervisor restarts it; a silent hang helps
 * nobody).
 */
export function installLastResortHandlers(): void {
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(crashReport('unhandled rejection', reason));
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    process.stderr.write(crashReport('unhandled exception', error));
    process.exit(1);
  });
}
