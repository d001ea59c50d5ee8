import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/types.js';
import { createRedactor } from './redact.js';

export type { Logger };

// Cloud Logging reads `severity`; pino's numeric level means nothing to it.
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Field paths that hold a secret whatever their value (pino replaces them before serialising). */
export const REDACTED_PATHS = [
  'webhookUrl',
  '*.webhookUrl',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'config.headers.Authorization',
  'request.headers.authorization',
  '*.request.headers.authorization',
];

export interface LoggerOptions {
  level: LogLevel;
  /** Values never to print, wherever they appear (webhook URL, token). */
  secrets: readonly (string | undefined)[];
  /** Where lines go; defaults to stdout. Tests pass their own to scan every line. */
  destination?: pino.DestinationStream | NodeJS.WritableStream;
  /** Human-readable lines (LOG_PRETTY=true in dev) through pino-pretty, a devDependency. */
  pretty?: boolean;
}

type PrettyFactory = (opts: Record<string, unknown>) => pino.DestinationStream;

/** pino-pretty only when asked, and only if installed (production images omit devDependencies). */
function loadPretty(): PrettyFactory | undefined {
  try {
    return createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  } catch {
    return undefined;
  }
}

const REDACTOR = Symbol('finding-relay redactor');

/**
 * The redactor a logger was built with (the one for the worker's secrets), for code that stores
 * text outside log lines; identity for a logger of another origin. Children share it (pino
 * creates a child from its parent's prototype).
 */
export function redactorOf(log: Logger): (text: string) => string {
  const redact = (log as unknown as Record<symbol, unknown>)[REDACTOR];
  return typeof redact === 'function' ? (redact as (text: string) => string) : (text) => text;
}

export function createLogger(opts: LoggerOptions): Logger {
  const logger = buildLogger(opts);
  Object.defineProperty(logger, REDACTOR, { value: createRedactor(opts.secrets) });
  return logger;
}

function buildLogger(opts: LoggerOptions): Logger {
  const redact = createRedactor(opts.secrets);
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { service: 'finding-relay' },
    messageKey: 'message',
    formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    // The last line of defence: a secret that slipped into any string of any line is replaced.
    // It runs on the JSON line, before pino-pretty (if any) sees it.
    hooks: { streamWrite: (line) => redact(line) },
  };
  const destination = opts.destination as pino.DestinationStream | undefined;
  if (!opts.pretty) return pino(options, destination ?? pino.destination(1));
  const pretty = loadPretty();
  if (!pretty) {
    const log = pino(options, destination ?? pino.destination(1));
    log.warn('LOG_PRETTY is set but pino-pretty is not installed: writing JSON lines');
    return log;
  }
  const stream = pretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    messageKey: 'message',
    ignore: 'pid,hostname,service,severity',
    translateTime: 'SYS:HH:MM:ss.l',
    destination: destination ?? 1,
    sync: destination === undefined,
  });
  return pino(options, stream);
}
