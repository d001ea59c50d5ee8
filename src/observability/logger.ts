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

export interface LoggerOptions {
  level: LogLevel;
  /** Values never to print, wherever they appear (webhook URL, token). */
  secrets: readonly (string | undefined)[];
  /** Where lines go; defaults to stdout. Tests pass their own to scan every line. */
  destination?: pino.DestinationStream;
  pretty?: boolean;
}

export function createLogger(opts: LoggerOptions): Logger {
  const redact = createRedactor(opts.secrets);
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { service: 'finding-relay' },
    messageKey: 'message',
    formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }) },
    redact: {
      paths: [
        'webhookUrl',
        '*.webhookUrl',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'config.headers.Authorization',
      ],
      censor: '[REDACTED]',
    },
    // The last line of defence: a secret that slipped into any string of any line is replaced.
    hooks: { streamWrite: (line) => redact(line) },
  };
  if (opts.pretty && !opts.destination) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, messageKey: 'message' } },
    });
  }
  return pino(options, opts.destination ?? pino.destination(1));
}
