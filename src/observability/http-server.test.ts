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
