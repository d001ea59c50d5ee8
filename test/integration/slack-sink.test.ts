import type { FetchFunction } from '@slack/webhook';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSlackSink,
  type SlackMessageInfo,
  type SlackSinkDeps,
} from '../../src/channels/slack/slack-sink.js';
import type { ChannelSink, DeliveryItem, Outcome } from '../../src/channels/types.js';
import type { Severity } from '../../src/config/types.js';
import { testFinding } from '../../src/finding/test-findings.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import type { RetryPolicy } from '../../src/lib/retry.js';
import { type RecordedRequest, type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

/** Counts requests in flight, so the virtual clock never jumps while one is on the wire. */
function countingFetch() {
  let inFlight = 0;
  const fetchFn: FetchFunction = async (url, init) => {
    inFlight++;
    try {
      const res = await fetch(url, init as RequestInit);
      const body = await res.text();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      inFlight--;
    }
  };
  return { fetchFn, busy: () => inFlight > 0 };
}

/**
 * Virtual time that runs ahead: whenever nothing is on the wire, it jumps to the earliest pending
 * sleep. Pacing and Retry-After waits take no real time, and gaps are read from recorded times.
 */
function virtualClock(busy: () => boolean, start = Date.parse('2026-11-26T10:00:00Z')) {
  let t = start;
  const timers: { at: number; seq: number; resolve: () => void }[] = [];
  let seq = 0;
  let scheduled = false;
  const schedule = (delayMs = 0) => {
    if (scheduled) return;
    scheduled = true;
    const run = () => {
      scheduled = false;
      pump();
    };
    if (delayMs > 0) setTimeout(run, delayMs);
    else setImmediate(run);
  };
  function pump(): void {
    if (timers.length === 0) return;
    if (busy()) {
      schedule(1);
      return;
    }
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift()!;
    t = Math.max(t, next.at);
    next.resolve();
    schedule();
  }
  const clock: Clock = {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = { at: t + ms, seq: seq++, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            const i = timers.indexOf(timer);
            if (i >= 0) timers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
        schedule();
      }),
  };
  return clock;
}

const fastRetry: RetryPolicy = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5, maxRetryAfterMs: 30_000 };

let nextId = 0;
function item(
  over: { severity?: Severity; title?: string; url?: string; agent?: string } = {},
): DeliveryItem {
  const id = `ev-${++nextId}`;
  const finding = testFinding({
    id,
    source: { agent: over.agent ?? 'scanner' },
    severity: over.severity ?? 'high',
    title: over.title ?? `Finding ${id}`,
    repo: 'acme/app',
    url: over.url ?? `https://example.com/findings/${id}`,
    occurredAt: '2026-11-26T09:00:00Z',
  });
  return { eventId: id, finding, decision: 'deliver' };
}
const items = (n: number, over?: Parameters<typeof item>[0]) => Array.from({ length: n }, () => item(over));

interface Harness {
  standIn: SlackStandIn;
  sink: ChannelSink;
  clock: Clock;
  infos: SlackMessageInfo[];
  /** Every outcome any delivery got, for the secret scan. */
  outcomes: Outcome[];
  deliver(batch: DeliveryItem[], signal?: AbortSignal): Promise<Map<DeliveryItem, Outcome>>;
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.sink.close?.();
    await h.standIn.close();
    const token = h.standIn.url.split('/').at(-1)!;
    const seen = JSON.stringify([h.outcomes, h.infos]);
    expect(seen).not.toContain(h.standIn.url);
    expect(seen).not.toContain(token);
  }
});

async function harness(
  over: Partial<SlackSinkDeps> & {
    rateLimit?: { perSecond: number; burst: number };
    realClock?: boolean;
  } = {},
): Promise<Harness> {
  const { fetchFn, busy } = countingFetch();
  const clock = over.realClock ? systemClock : virtualClock(busy);
  const standIn = await startSlackStandIn({
    now: () => clock.now(),
    ...(over.rateLimit ? { rateLimit: over.rateLimit } : {}),
  });
  const infos: SlackMessageInfo[] = [];
  const sink = createSlackSink({
    webhookUrl: standIn.url,
    label: 'STAGING',
    windowMs: 0,
    max: 20,
    clock,
    retry: fastRetry,
    timeoutMs: 2_000,
    fetch: fetchFn,
    onMessage: (info) => infos.push(info),
    ...over,
  });
  const outcomes: Outcome[] = [];
  const h: Harness = {
    standIn,
    sink,
    clock,
    infos,
    outcomes,
    async deliver(batch, signal = new AbortController().signal) {
      const result = await sink.deliver(batch, signal);
      outcomes.push(...result.values());
      return result;
    },
  };
  open.push(h);
  return h;
}

const kinds = (m: Map<DeliveryItem, Outcome>) => [...new Set([...m.values()].map((o) => o.kind))];
const payloadOf = (r: RecordedRequest) =>
  r.body as { text: string; blocks: { type: string; text?: { text: string } }[] };
const findingsIn = (r: RecordedRequest) =>
  Number(/\] ([\d,]+) finding/.exec(payloadOf(r).text)![1]!.replace(/,/g, ''));

describe('Slack sink against the webhook stand-in', () => {
  it('sends one digest for items arriving together; every item is sent', async () => {
    const h = await harness();
    const [a, b] = await Promise.all([h.deliver(items(3)), h.deliver(items(2, { severity: 'critical' }))]);
    expect(kinds(a)).toEqual(['sent']);
    expect(kinds(b)).toEqual(['sent']);
    expect(h.standIn.accepted).toHaveLength(1);
    const p = payloadOf(h.standIn.accepted[0]!);
    expect(p.text.startsWith('[STAGING] 5 findings: 2 critical, 3 high')).toBe(true);
    expect(p.blocks.filter((b2) => b2.type === 'section')[0]!.text!.text).toContain('*CRITICAL*');
  });

  it('escapes every injection form end to end', async () => {
    const h = await harness();
    const attacks = [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U0123>',
      '<#C123>',
      '<!subteam^S1|@t>',
      '<https://evil.example|click>',
    ];
    await h.deliver(attacks.map((a) => item({ title: `${a} &lt; @here`, agent: a.slice(0, 50) })));
    const raw = h.standIn.accepted[0]!.rawBody;
    expect(raw).not.toMatch(/<[!@#]/);
    expect(raw).not.toContain('<https://evil');
    expect(raw).toContain('&amp;lt;');
    expect(payloadOf(h.standIn.accepted[0]!).text.startsWith('[STAGING] ')).toBe(true);
  });

  it('a 5,000-finding flood is one message listing max, within Slack limits', async () => {
    const h = await harness();
    const result = await h.deliver(items(5_000, { title: `Long ${'t'.repeat(240)}` }));
    expect(kinds(result)).toEqual(['sent']);
    expect(h.standIn.accepted).toHaveLength(1); // the stand-in checks blocks, section and header limits
    const p = payloadOf(h.standIn.accepted[0]!);
    expect(p.blocks.filter((b) => b.type === 'section')).toHaveLength(20);
    expect(p.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(p)).toContain('…and 4,980 more: 4,980 high');
  });

  it('paces a burst of 200 findings into a few messages without tripping the rate limit', async () => {
    const h = await harness({ rateLimit: { perSecond: 1, burst: 3 } });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      pending.push(h.deliver([item({ severity: i % 7 === 0 ? 'critical' : 'medium' })]));
      await h.clock.sleep(50);
    }
    const results = (await Promise.all(pending)) as Map<DeliveryItem, Outcome>[];
    expect(results.flatMap((m) => kinds(m))).toEqual(Array(200).fill('sent'));
    const received = h.standIn.received;
    expect(received.every((r) => r.status === 200)).toBe(true); // never a 429
    expect(received.length).toBeGreaterThan(3);
    expect(received.length).toBeLessThanOrEqual(15);
    expect(received.reduce((sum, r) => sum + findingsIn(r), 0)).toBe(200);
    // A bucket of 3 at 1/s: any 4 consecutive messages span at least a second.
    for (let i = 3; i < received.length; i++)
      expect(received[i]!.at - received[i - 3]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('honours a 429 Retry-After before trying again', async () => {
    const h = await harness();
    h.standIn.setMode({ kind: 'fail-next', n: 1, status: 429, body: 'rate_limited', retryAfterS: 2 });
    const result = await h.deliver(items(2));
    expect(kinds(result)).toEqual(['sent']);
    const [first, second] = h.standIn.received;
    expect([first!.status, second!.status]).toEqual([429, 200]);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2_000);
    expect(h.infos).toEqual([
      { findings: 2, status: 'transient', attempt: 1 },
      { findings: 2, status: 'sent', attempt: 2 },
    ]);
  });

  it('a Retry-After beyond the policy is handed back, and pauses later digests too', async () => {
    const h = await harness();
    h.standIn.setMode({ kind: '429', retryAfterS: 120 });
    const first = [...(await h.deliver(items(1))).values()][0];
    expect(first).toMatchObject({ kind: 'transient', retryAfterMs: 120_000 });
    h.standIn.setMode({ kind: 'ok' });
    const second = [...(await h.deliver(items(1))).values()][0];
    expect(second).toMatchObject({ kind: 'transient', cause: expect.stringContaining('rate limit') });
    expect(h.standIn.received).toHaveLength(1); // the second never reached Slack
  });

  it('500 then recovery is sent', async () => {
    const h = await harness();
    h.standIn.setMode({ kind: 'fail-next', n: 2, status: 500, body: 'rollup_error' });
    expect(kinds(await h.deliver(items(1)))).toEqual(['sent']);
    expect(h.standIn.received.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('a persistent 500 is transient after the retries', async () => {
    const h = await harness();
    h.standIn.setMode({ kind: 'status', status: 500, body: 'rollup_error' });
    const outcome = [...(await h.deliver(items(2))).values()][0];
    expect(outcome).toEqual({ kind: 'transient', cause: 'slack 500 rollup_error' });
    expect(h.standIn.received).toHaveLength(fastRetry.retries + 1);
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('%d %s is permanent-slack for every item, without retry', async (status, body) => {
    const h = await harness();
    h.standIn.setMode({ kind: 'status', status, body });
    const result = await h.deliver(items(3));
    for (const outcome of result.values()) {
      expect(outcome).toEqual({
        kind: 'permanent',
        reason: 'permanent-slack',
        cause: `slack ${status} ${body}`,
      });
    }
    expect(h.standIn.received).toHaveLength(1);
  });

  it('a webhook URL the stand-in does not know is permanent no_service', async () => {
    const h = await harness();
    const wrongUrl = `${h.standIn.origin}/services/T0/B0/notTheRightToken`;
    const sink = createSlackSink({
      webhookUrl: wrongUrl,
      label: 'DEV',
      windowMs: 0,
      max: 20,
      clock: systemClock,
      retry: fastRetry,
    });
    const outcome = [...(await sink.deliver(items(1), new AbortController().signal)).values()][0];
    await sink.close?.();
    expect(outcome).toEqual({ kind: 'permanent', reason: 'permanent-slack', cause: 'slack 404 no_service' });
    expect(JSON.stringify(outcome)).not.toContain('notTheRightToken');
  });

  it('a hanging Slack times out as transient', async () => {
    const h = await harness({ timeoutMs: 150, retry: { ...fastRetry, retries: 0 } });
    h.standIn.setMode({ kind: 'hang' });
    const outcome = [...(await h.deliver(items(1))).values()][0];
    expect(outcome).toEqual({ kind: 'transient', cause: 'slack request timed out after 150 ms' });
  });

  it('never posts an item the matrix marked dry-run', async () => {
    const h = await harness();
    const dry: DeliveryItem = { ...item(), decision: 'dry-run' };
    const result = await h.deliver([dry]);
    expect(result.get(dry)).toEqual({ kind: 'dropped', reason: 'mode-disabled' });
    expect(h.standIn.received).toHaveLength(0);
  });

  it('close() sends what the window still holds', async () => {
    const h = await harness({ realClock: true, windowMs: 60_000 });
    const pending = h.deliver(items(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.standIn.received).toHaveLength(0);
    await h.sink.close?.();
    expect(kinds(await pending)).toEqual(['sent']);
    expect(h.standIn.accepted).toHaveLength(1);
    const after = await h.sink.deliver(items(1), new AbortController().signal);
    expect(kinds(after)).toEqual(['transient']);
  });

  it('an aborted caller still gets one prompt attempt, and no waiting for the rate limit', async () => {
    const h = await harness({ windowMs: 60_000 });
    const aborted = AbortSignal.abort();
    expect(kinds(await h.deliver(items(1), aborted))).toEqual(['sent']);
    h.standIn.setMode({ kind: 'fail-next', n: 1, status: 429, body: 'rate_limited', retryAfterS: 5 });
    expect(kinds(await h.deliver(items(1), aborted))).toEqual(['transient']);
    const third = [...(await h.deliver(items(1), aborted)).values()][0];
    expect(third).toMatchObject({ kind: 'transient', retryAfterMs: expect.any(Number) });
    expect(h.standIn.received).toHaveLength(2); // the third waited for nothing and sent nothing
  });
});
