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
  /**
   * Project whose Cloud Trace a line's `trace_id` names (GOOGLE_CLOUD_PROJECT): the trace field
   * is then `projects/P/traces/T`, which Cloud Logging links to the trace; without it, the bare id.
   */
  traceProject?: string;
  /** The package version, for Error Reporting's serviceContext on lines that carry a stack. */
  version?: string;
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
    base: { service: SERVICE },
    messageKey: 'message',
    formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    // The last line of defence: a secret that slipped into any string of any line is replaced.
    // It runs on the JSON line, before pino-pretty (if any) sees it, so a stack is covered too.
    hooks: { streamWrite: (line) => redact(line) },
  };
  const destination = opts.destination as pino.DestinationStream | undefined;
  if (!opts.pretty) return pino(cloudLoggingOptions(options, opts), destination ?? pino.destination(1));
  const pretty = loadPretty();
  if (!pretty) {
    const log = pino(cloudLoggingOptions(options, opts), destination ?? pino.destination(1));
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

const SERVICE = 'finding-relay';
const ERROR_LEVEL = 50;

/**
 * JSON lines as Cloud Logging's agent and Error Reporting read them, matching what Google's
 * @google-cloud/pino-logging-gcp-config writes. That package is not used: it pulls in
 * @google-cloud/logging for ~60 lines of formatting, asks the metadata server for the project
 * and service unless both are given, prints a diagnostic line per logger, and replaces `time`
 * and the level label, which our tests and tools read. What it writes, and here:
 * - `timestamp` {seconds, nanos}: the entry's time, beside pino's epoch-ms `time` (same instant);
 * - `severity` (in the level formatter above);
 * - `stack_trace` (and serviceContext) on error and fatal lines that carry an Error in `err`;
 *   warnings keep theirs inside `err` only, so a retried failure is not an Error Reporting event;
 * - `trace_id`, `span_id`, `trace_flags` (OpenTelemetry's names) become
 *   `logging.googleapis.com/trace`, `…/spanId` and `…/trace_sampled` when a line carries them
 *   (as OpenTelemetry's pino instrumentation adds them; pino formats a child's bindings once,
 *   without this hook, so a child bound to a trace gets the bare names).
 */
function cloudLoggingOptions(base: pino.LoggerOptions, opts: LoggerOptions): pino.LoggerOptions {
  const serviceContext = opts.version ? { service: SERVICE, version: opts.version } : { service: SERVICE };
  return {
    ...base,
    timestamp: cloudLoggingTime,
    formatters: { ...base.formatters, log: (fields) => traceFields(fields, opts.traceProject) },
    mixin: (object, level) => {
      const err = (object as { err?: unknown }).err;
      return level >= ERROR_LEVEL && err instanceof Error && err.stack
        ? { stack_trace: err.stack, serviceContext }
        : NOTHING;
    },
    // The line's own fields win, as with pino's default; nothing is copied when nothing is added.
    mixinMergeStrategy: (object, mixed) => (mixed === NOTHING ? object : { ...mixed, ...object }),
  };
}

const NOTHING = Object.freeze({});

/** `time` as pino writes it (epoch ms, read by our tests and tools) and the same instant for Cloud Logging. */
export function cloudLoggingTime(now: number = Date.now()): string {
  const seconds = Math.floor(now / 1000);
  const nanos = (now - seconds * 1000) * 1_000_000;
  return `,"time":${now},"timestamp":{"seconds":${seconds},"nanos":${nanos}}`;
}

function traceFields(fields: Record<string, unknown>, project: string | undefined): Record<string, unknown> {
  if (!('trace_id' in fields || 'span_id' in fields || 'trace_flags' in fields)) return fields;
  const { trace_id: traceId, span_id: spanId, trace_flags: flags, ...rest } = fields;
  const out: Record<string, unknown> = rest;
  if (typeof traceId === 'string' && traceId.length > 0)
    out['logging.googleapis.com/trace'] = project ? `projects/${project}/traces/${traceId}` : traceId;
  if (typeof spanId === 'string' && spanId.length > 0) out['logging.googleapis.com/spanId'] = spanId;
  // W3C trace flags: bit 0 is "sampled" (a number or its hex string, "01").
  const bits = typeof flags === 'number' ? flags : Number.parseInt(String(flags ?? ''), 16);
  if (Number.isInteger(bits) && (bits & 1) === 1) out['logging.googleapis.com/trace_sampled'] = true;
  return out;
}
