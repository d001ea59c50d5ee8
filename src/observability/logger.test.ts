import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

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
});
