import { afterEach, describe, expect, it } from 'vitest';
import { type RunningHttpServer, startHttpServer } from './http-server.js';
import { RelayMetrics } from './metrics.js';
import { RecentOutcomes } from './recent-outcomes.js';

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(notReady: string | null = null) {
  const outcomes = new RecentOutcomes();
  outcomes.add({
    findingId: 'a b/c',
    messageId: 'm',
    agent: 'x',
    title: 't',
    severity: 'low',
    settlement: 'ack',
    channels: { slack: { kind: 'sent' } },
    settledAt: '2026-11-26T00:00:00.000Z',
    deliveryAttempt: 1,
  });
  server = await startHttpServer(0, '127.0.0.1', {
    metrics: new RelayMetrics(),
    outcomes,
    notReadyReason: () => notReady,
    renderStatusPage: () => '<!doctype html><p>status</p>',
  });
  return (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server!.port}${path}`, init);
}

describe('the HTTP server', () => {
  it('answers health, readiness, metrics, the page and the outcomes API', async () => {
    const get = await start();
    expect(await (await get('/healthz')).text()).toBe('ok\n');
    expect((await get('/readyz')).status).toBe(200);
    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('finding_relay_messages_received_total 0');
    expect((await get('/')).headers.get('content-type')).toBe('text/html; charset=utf-8');
    const found = await get(`/api/outcomes/${encodeURIComponent('a b/c')}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ findingId: 'a b/c', channels: { slack: { kind: 'sent' } } });
    expect((await get('/api/outcomes/nope')).status).toBe(404);
    expect((await get('/api/outcomes/%E0%A4%A')).status).toBe(400);
    expect((await get('/elsewhere')).status).toBe(404);
    expect((await get('/', { method: 'POST' })).status).toBe(405);
  });

  it('says why it is not ready with a 503', async () => {
    const get = await start('draining: not taking new messages');
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('not ready: draining: not taking new messages\n');
  });
});

describe('hardening', () => {
  it('sends security headers with every answer', async () => {
    const get = await start();
    for (const path of ['/', '/healthz', '/metrics', '/api/outcomes/a%20b%2Fc', '/nope']) {
      const res = await get(path);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('drops a connection that trickles its headers, well before Node’s default', async () => {
    const { createConnection } = await import('node:net');
    await start();
    const socket = createConnection(server!.port, '127.0.0.1');
    socket.on('error', () => undefined); // a trickled write may meet the closed socket (EPIPE)
    const started = Date.now();
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // never finishes its headers
    const trickle = setInterval(() => socket.write('X-a: b\r\n'), 500);
    await new Promise((r) => socket.once('close', r));
    clearInterval(trickle);
    // The default headersTimeout is 60 s; ours is a few seconds.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 20_000);

  it('caps connections and sets tight server timeouts', async () => {
    const { HTTP_LIMITS } = await import('./http-server.js');
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(HTTP_LIMITS.maxConnections).toBeGreaterThan(0);
    const { createConnection } = await import('node:net');
    await start();
    const sockets = Array.from({ length: HTTP_LIMITS.maxConnections + 5 }, () =>
      createConnection(server!.port, '127.0.0.1'),
    );
    const closed = await Promise.all(
      sockets.map(
        (s) =>
          new Promise<boolean>((resolve) => {
            s.on('error', () => undefined);
            s.once('close', () => resolve(true));
            setTimeout(() => resolve(false), 1_000);
          }),
      ),
    );
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    for (const s of sockets) s.destroy();
  });
});
