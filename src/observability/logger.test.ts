import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cloudLoggingTime, createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  const webhook = 'https://hooks.example.test/services/T0SENTINEL/B0SENTINEL/sentinel-secret-path';
  const token = 'sentinel-token-0123456789';

  it('writes Cloud Logging severity and never a secret, wherever it hides', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'debug', secrets: [webhook, token], destination: stream });
    log.warn({ webhookUrl: webhook, headers: { authorization: `token ${token}` } }, 'posting');
    log.error({ err: new Error(`request to ${webhook} failed`) }, `token was ${token}`);
    log.info({ detail: 'path /services/T0SENTINEL/B0SENTINEL/sentinel-secret-path' }, 'only the path');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain('sentinel-secret-path');
      expect(line).not.toContain(token);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ severity: 'WARNING', message: 'posting' });
    expect(JSON.parse(lines[1]!).severity).toBe('ERROR');
  });

  it('censors Authorization headers by field, whatever their value and spelling', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', secrets: [], destination: stream });
    log.info({ request: { headers: { authorization: 'Bearer not-a-known-secret' } } }, 'a');
    log.info({ headers: { Authorization: 'token also-unknown' } }, 'b');
    log.info({ config: { headers: { Authorization: 'Basic dXNlcjpwdw==' } } }, 'c');
    log.info({ authorization: 'raw-value' }, 'd');
    const text = lines.join('');
    for (const value of ['not-a-known-secret', 'also-unknown', 'dXNlcjpwdw==', 'raw-value'])
      expect(text).not.toContain(value);
    expect(text.match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  it('has a Cloud Logging severity for every pino level', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'trace', secrets: [], destination: stream });
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    expect(lines.map((l) => JSON.parse(l).severity)).toEqual([
      'DEBUG',
      'DEBUG',
      'INFO',
      'WARNING',
      'ERROR',
      'CRITICAL',
    ]);
  });

  it('writes human lines with LOG_PRETTY, still without secrets', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', secrets: [token], destination: stream, pretty: true });
    log.info({ findingId: 'f-1', token }, `hello ${token}`);
    await new Promise((r) => setTimeout(r, 50));
    const text = lines.join('');
    expect(text).toContain('INFO: hello [REDACTED]');
    expect(text).toContain('findingId: "f-1"');
    expect(text).not.toContain(token);
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });

  describe('Cloud Logging (JSON lines)', () => {
    it('a line carries the fields Cloud Logging reads: timestamp, severity, message', () => {
      const { lines, stream } = capture();
      const log = createLogger({ level: 'info', secrets: [], destination: stream });
      const before = Date.now();
      log.info({ outcome: 'sent' }, 'outcome');
      const line = JSON.parse(lines[0]!);
      expect(line).toMatchObject({ severity: 'INFO', level: 'info', message: 'outcome', outcome: 'sent' });
      // The entry time as {seconds, nanos}, the same instant as pino's epoch-ms `time` (kept for our tools).
      expect(line.timestamp).toEqual({
        seconds: Math.floor(line.time / 1000),
        nanos: (line.time % 1000) * 1_000_000,
      });
      expect(line.time).toBeGreaterThanOrEqual(before);
      expect(line.time).toBeLessThanOrEqual(Date.now());
      expect(line).not.toHaveProperty('stack_trace');
      expect(line).not.toHaveProperty('msg');
    });

    it('writes the timestamp exactly, nanos included', () => {
      expect(cloudLoggingTime(1_700_000_000_123)).toBe(
        ',"time":1700000000123,"timestamp":{"seconds":1700000000,"nanos":123000000}',
      );
      expect(cloudLoggingTime(1_700_000_000_000)).toContain('"timestamp":{"seconds":1700000000,"nanos":0}');
    });

    it("an error's stack is where Error Reporting reads it (stack_trace), with serviceContext and no secret", () => {
      const { lines, stream } = capture();
      const log = createLogger({
        level: 'info',
        secrets: [webhook, token],
        destination: stream,
        version: '9.9.9',
      });
      const failure = new Error(`request to ${webhook} with ${token} failed`);
      log.error({ err: failure }, 'pipeline failed; nacking its batch');
      log.fatal(new TypeError(`bad ${token}`));
      const [first, second] = lines.map((l) => JSON.parse(l));
      expect(first.severity).toBe('ERROR');
      expect(first.stack_trace).toMatch(/^Error: request to \[REDACTED\] with \[REDACTED\] failed\n\s+at /);
      expect(first.stack_trace).toContain('logger.test.ts');
      expect(first.serviceContext).toEqual({ service: 'finding-relay', version: '9.9.9' });
      expect(first.err).toMatchObject({
        type: 'Error',
        message: 'request to [REDACTED] with [REDACTED] failed',
      });
      expect(second).toMatchObject({ severity: 'CRITICAL', message: 'bad [REDACTED]' });
      expect(second.stack_trace).toMatch(/^TypeError: bad \[REDACTED\]\n/);
      for (const line of lines) {
        expect(line).not.toContain('sentinel-secret-path');
        expect(line).not.toContain('T0SENTINEL');
        expect(line).not.toContain(token);
      }
    });

    it('a warning keeps its error inside err only (a retried failure is not an Error Reporting event)', () => {
      const { lines, stream } = capture();
      const log = createLogger({ level: 'info', secrets: [], destination: stream });
      log.warn({ err: new Error('transient') }, 'will retry');
      log.error({ err: 'a string, no stack' }, 'refused');
      const [warn, error] = lines.map((l) => JSON.parse(l));
      expect(warn).not.toHaveProperty('stack_trace');
      expect(warn.err.stack).toMatch(/^Error: transient\n/);
      expect(error).not.toHaveProperty('stack_trace');
      expect(error.err).toBe('a string, no stack');
    });

    it('names the trace in Cloud Logging’s fields when a trace id is known', () => {
      const { lines, stream } = capture();
      const log = createLogger({
        level: 'info',
        secrets: [],
        destination: stream,
        traceProject: 'my-project',
      });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      log.info(
        { trace_id: traceId, span_id: '00f067aa0ba902b7', trace_flags: '01', channel: 'slack' },
        'outcome',
      );
      log.info({ trace_id: traceId, trace_flags: '00' }, 'not sampled');
      log.info('no trace');
      const [sampled, unsampled, none] = lines.map((l) => JSON.parse(l));
      expect(sampled).toMatchObject({
        'logging.googleapis.com/trace': `projects/my-project/traces/${traceId}`,
        'logging.googleapis.com/spanId': '00f067aa0ba902b7',
        'logging.googleapis.com/trace_sampled': true,
        channel: 'slack',
      });
      for (const name of ['trace_id', 'span_id', 'trace_flags']) expect(sampled).not.toHaveProperty(name);
      expect(unsampled['logging.googleapis.com/trace']).toBe(`projects/my-project/traces/${traceId}`);
      expect(unsampled).not.toHaveProperty('logging.googleapis.com/trace_sampled');
      expect(Object.keys(none).filter((k) => k.startsWith('logging.googleapis.com/'))).toEqual([]);
    });

    it('without a project, the trace field is the bare trace id', () => {
      const { lines, stream } = capture();
      const log = createLogger({ level: 'info', secrets: [], destination: stream });
      log.info({ trace_id: 'abc123' }, 'x');
      expect(JSON.parse(lines[0]!)['logging.googleapis.com/trace']).toBe('abc123');
    });

    it('LOG_PRETTY lines stay human: no Cloud Logging fields', async () => {
      const { lines, stream } = capture();
      const log = createLogger({ level: 'info', secrets: [], destination: stream, pretty: true });
      log.error({ err: new Error('boom') }, 'failed');
      await new Promise((r) => setTimeout(r, 50));
      const text = lines.join('');
      expect(text).toContain('failed');
      expect(text).not.toContain('stack_trace');
      expect(text).not.toContain('timestamp');
    });
  });
});
