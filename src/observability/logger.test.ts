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
});
