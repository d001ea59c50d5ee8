/**
 * A stand-in for one Slack incoming webhook: a real HTTP server on loopback that answers like
 * hooks.slack.com does (researched 2026-11, see /work/shared/notes/limits-and-pains.md):
 * - 200 `ok` (text/html) for an accepted message; top-level text over 40,000 chars is truncated,
 *   not refused (api.slack.com/changelog/2018-04-truncating-really-long-messages);
 * - 400 `invalid_payload` (body not JSON / not an object), `no_text` (no text, blocks or
 *   attachments), `invalid_blocks_format` (blocks not an array), `invalid_blocks` (over Block Kit
 *   limits: 50 blocks, section text 3,000, fields 10 × 2,000, header 150, context 10 elements),
 *   `too_many_attachments` (> 100);
 * - 404 `no_service` for a path that is not this webhook;
 * - 429 with `Retry-After` (seconds) when the optional rate limit (≈1/s with short bursts) is exceeded;
 * - faults switched per test with setMode().
 * Every request is recorded with the time from `now` (pass a test's clock to assert gaps).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SlackStandInMode =
  | { kind: 'ok' }
  /** Every request answered with this status and body (e.g. 410 `channel_is_archived`). */
  | { kind: 'status'; status: number; body: string }
  /** Every request answered 429 `rate_limited` with this Retry-After. */
  | { kind: '429'; retryAfterS: number }
  /** Requests are read and never answered (until close()). */
  | { kind: 'hang' }
  /** The next `n` requests get this answer (429 also gets `Retry-After`), then back to `ok`. */
  | { kind: 'fail-next'; n: number; status: number; body: string; retryAfterS?: number };

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RecordedRequest {
  /** From the stand-in's `now` when the body was read. */
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON payload, or undefined when it was not JSON. */
  body: unknown;
  /** 0 while unanswered (hang). */
  status: number;
  answer: string;
  /** True when top-level text was over 40,000 chars and Slack would have truncated it. */
  truncated: boolean;
}

export interface SlackStandIn {
  /** The webhook URL: a secret in the product, so tests scan outcomes for it. */
  readonly url: string;
  /** http://127.0.0.1:PORT (for wrong-path tests). */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly received: RecordedRequest[];
  /** Requests answered 200 `ok`: the messages that would be in the channel. */
  readonly accepted: RecordedRequest[];
  setMode(mode: SlackStandInMode): void;
  setRateLimit(limit: RateLimit | undefined): void;
  close(): Promise<void>;
}

export interface SlackStandInOptions {
  /** Clock for recording and rate limiting; default Date.now. */
  now?: () => number;
  rateLimit?: RateLimit;
}

export const SLACK_LIMITS_ENFORCED = {
  blocks: 50,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  textObject: 3_000,
  blockId: 255,
  attachments: 100,
  messageText: 40_000,
} as const;

const KNOWN_BLOCKS = new Set([
  'section',
  'header',
  'context',
  'divider',
  'actions',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
  'markdown',
]);

type Answer = { status: number; body: string; headers?: Record<string, string> };
const bad = (body: string): Answer => ({ status: 400, body });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function textObjectOk(t: unknown, max: number, plainOnly = false): boolean {
  if (!isObject(t) || typeof t.text !== 'string') return false;
  if (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn')) return false;
  return t.text.length >= 1 && t.text.length <= max;
}

function blockOk(block: unknown): boolean {
  if (!isObject(block) || typeof block.type !== 'string' || !KNOWN_BLOCKS.has(block.type)) return false;
  if (block.block_id !== undefined && (typeof block.block_id !== 'string' || block.block_id.length > 255)) {
    return false;
  }
  const L = SLACK_LIMITS_ENFORCED;
  switch (block.type) {
    case 'section': {
      const { text, fields } = block;
      if (text === undefined && fields === undefined) return false;
      if (text !== undefined && !textObjectOk(text, L.sectionText)) return false;
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length < 1 || fields.length > L.fields) return false;
        if (!fields.every((f) => textObjectOk(f, L.fieldText))) return false;
      }
      return true;
    }
    case 'header':
      return textObjectOk(block.text, L.headerText, true);
    case 'context': {
      const { elements } = block;
      if (!Array.isArray(elements) || elements.length < 1 || elements.length > L.contextElements)
        return false;
      return elements.every((e) => (isObject(e) && e.type === 'image') || textObjectOk(e, L.textObject));
    }
    default:
      return true;
  }
}

/** What Slack answers for a payload, and whether it truncated the text. */
export function judgePayload(payload: unknown): Answer & { truncated?: boolean } {
  if (!isObject(payload)) return bad('invalid_payload');
  const { text, blocks, attachments } = payload;
  if (text !== undefined && typeof text !== 'string') return bad('invalid_payload');
  if (blocks !== undefined && !Array.isArray(blocks)) return bad('invalid_blocks_format');
  if (attachments !== undefined && !Array.isArray(attachments)) return bad('invalid_payload');
  const hasText = typeof text === 'string' && text.trim() !== '';
  if (
    !hasText &&
    !(Array.isArray(blocks) && blocks.length > 0) &&
    !(Array.isArray(attachments) && attachments.length > 0)
  ) {
    return bad('no_text');
  }
  if (Array.isArray(attachments) && attachments.length > SLACK_LIMITS_ENFORCED.attachments) {
    return bad('too_many_attachments');
  }
  if (Array.isArray(blocks) && (blocks.length > SLACK_LIMITS_ENFORCED.blocks || !blocks.every(blockOk))) {
    return bad('invalid_blocks');
  }
  return {
    status: 200,
    body: 'ok',
    truncated: typeof text === 'string' && text.length > SLACK_LIMITS_ENFORCED.messageText,
  };
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  try {
    if (contentType?.startsWith('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(raw).get('payload');
      return payload === null ? undefined : JSON.parse(payload);
    }
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const now = options.now ?? Date.now;
  const secretPath = `/services/T00000000/B00000000/${randomBytes(12).toString('hex')}`;
  const received: RecordedRequest[] = [];
  const accepted: RecordedRequest[] = [];
  let mode: SlackStandInMode = { kind: 'ok' };
  let limit = options.rateLimit;
  let bucket = { tokens: limit?.burst ?? 0, at: now() };
  const hanging = new Set<ServerResponse>();

  /** A token bucket like Slack's: undefined when allowed, else seconds to wait. */
  function rateLimited(): number | undefined {
    if (!limit) return undefined;
    const t = now();
    bucket.tokens = Math.min(
      limit.burst,
      bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * limit.perSecond,
    );
    bucket.at = t;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
  }

  function fault(): Answer | 'hang' | undefined {
    switch (mode.kind) {
      case 'ok':
        return undefined;
      case 'hang':
        return 'hang';
      case 'status':
        return { status: mode.status, body: mode.body };
      case '429':
        return { status: 429, body: 'rate_limited', headers: { 'retry-after': String(mode.retryAfterS) } };
      case 'fail-next': {
        const answer: Answer = { status: mode.status, body: mode.body };
        if (mode.status === 429) answer.headers = { 'retry-after': String(mode.retryAfterS ?? 1) };
        mode = mode.n <= 1 ? { kind: 'ok' } : { ...mode, n: mode.n - 1 };
        return answer;
      }
    }
  }

  function answer(res: ServerResponse, record: RecordedRequest, a: Answer): void {
    record.status = a.status;
    record.answer = a.body;
    if (a.status === 200 && a.body === 'ok') accepted.push(record);
    res.writeHead(a.status, { 'content-type': 'text/html', ...(a.headers ?? {}) });
    res.end(a.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const record: RecordedRequest = {
      at: now(),
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      rawBody,
      body: parseBody(rawBody, req.headers['content-type']),
      status: 0,
      answer: '',
      truncated: false,
    };
    received.push(record);
    if (record.path !== secretPath) return answer(res, record, { status: 404, body: 'no_service' });
    if (record.method !== 'POST') return answer(res, record, { status: 405, body: 'invalid_method' });
    const injected = fault();
    if (injected === 'hang') {
      hanging.add(res);
      return;
    }
    if (injected) return answer(res, record, injected);
    const waitS = rateLimited();
    if (waitS !== undefined) {
      return answer(res, record, {
        status: 429,
        body: 'rate_limited',
        headers: { 'retry-after': String(waitS) },
      });
    }
    const verdict = judgePayload(record.body);
    record.truncated = verdict.truncated ?? false;
    return answer(res, record, verdict);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/html' });
      res.end('rollup_error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}${secretPath}`,
    origin,
    received,
    accepted,
    setMode(next) {
      mode = next;
    },
    setRateLimit(next) {
      limit = next;
      bucket = { tokens: next?.burst ?? 0, at: now() };
    },
    async close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
