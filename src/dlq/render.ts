import { oneLine } from '@finding-relay/publisher/finding';
import type { DeadLetter } from './dead-letter-record.js';
import { formatAge } from './duration.js';
import type { DeadLetterStats } from './stats.js';

/** What a rendering says about the scan it comes from. */
export interface ScanContext {
  readonly subscription: string;
  readonly capped: 'messages' | 'bytes' | undefined;
  /** The scan cap (messages). */
  readonly cap: number;
  readonly now: number;
}

/**
 * One line of at most `max` characters that cannot drive the terminal: tabs and line breaks become
 * spaces, other control, line-separator and bidi-override characters show as `\u{…}` escapes.
 */
export function terminalSafe(text: string, max: number): string {
  return oneLine(text.replace(/[\t\r\n]+/g, ' ').trim(), max);
}

export function capNote(ctx: ScanContext): string | undefined {
  if (!ctx.capped) return undefined;
  const what = ctx.capped === 'messages' ? `the scan cap of ${ctx.cap} messages` : 'the scan memory cap';
  return `note: stopped at ${what}; more dead letters may remain unseen`;
}

export function renderStatsText(stats: DeadLetterStats, ctx: ScanContext): string {
  const lines = [`Dead letters on ${ctx.subscription}: ${stats.total}`];
  if (stats.oldest && stats.newest) {
    lines.push(
      `  oldest ${formatAge(ctx.now - stats.oldest.getTime())} ago, newest ${formatAge(ctx.now - stats.newest.getTime())} ago`,
    );
  }
  const table = (title: string, rows: DeadLetterStats['byReason']) => {
    if (rows.length === 0) return;
    const width = Math.max(...rows.map(([name]) => terminalSafe(name, 40).length));
    lines.push(title);
    for (const [name, count] of rows) lines.push(`  ${terminalSafe(name, 40).padEnd(width)}  ${count}`);
  };
  table('By reason:', stats.byReason);
  table('By agent:', stats.byAgent);
  const note = capNote(ctx);
  if (note) lines.push(note);
  return `${lines.join('\n')}\n`;
}

export function statsToJson(stats: DeadLetterStats, ctx: ScanContext) {
  return {
    subscription: ctx.subscription,
    total: stats.total,
    capped: ctx.capped !== undefined,
    byReason: Object.fromEntries(stats.byReason),
    byAgent: Object.fromEntries(stats.byAgent),
    oldestPublishTime: stats.oldest?.toISOString() ?? null,
    newestPublishTime: stats.newest?.toISOString() ?? null,
    oldestAgeSeconds: stats.oldest ? ageSeconds(ctx.now, stats.oldest) : null,
    newestAgeSeconds: stats.newest ? ageSeconds(ctx.now, stats.newest) : null,
  };
}

const HEADER = ['AGE', 'REASON', 'AGENT', 'FINDING ID', 'TRIES'] as const;
const COLUMN_MAX = [8, 24, 24, 40, 5] as const;

/** One line per dead letter: age, reason, agent, finding id, delivery count, then title — detail. */
export function renderListText(letters: readonly DeadLetter[], ctx: ScanContext, scanned: number): string {
  const rows = letters.map((letter) => [
    formatAge(ctx.now - letter.publishTime.getTime()),
    letter.reason,
    letter.agent,
    letter.findingId ?? '-',
    letter.deliveryCount === undefined ? '-' : String(letter.deliveryCount),
    `${letter.title ?? '(no title)'} — ${letter.detail || '(no detail)'}`,
  ]);
  const cells = rows.map((row) => row.map((cell, i) => terminalSafe(cell, COLUMN_MAX[i] ?? 200)));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]!) : cell))
      .join('  ')
      .trimEnd();
  const lines = [format([...HEADER, 'TITLE — DETAIL']), ...cells.map(format)];
  lines.push(`${letters.length} shown of ${scanned} dead letter(s) scanned on ${ctx.subscription}`);
  const note = capNote(ctx);
  if (note) lines.push(note);
  return `${lines.join('\n')}\n`;
}

export function listToJson(letters: readonly DeadLetter[], ctx: ScanContext, scanned: number) {
  return {
    subscription: ctx.subscription,
    scanned,
    capped: ctx.capped !== undefined,
    messages: letters.map((letter) => letterToJson(letter, ctx.now)),
  };
}

export function letterToJson(letter: DeadLetter, now: number) {
  const utf8 = decodeUtf8(letter.data);
  return {
    messageId: letter.messageId,
    originalMessageId: letter.originalMessageId,
    publishTime: letter.publishTime.toISOString(),
    ageSeconds: ageSeconds(now, letter.publishTime),
    origin: letter.origin,
    reason: letter.reason,
    detail: letter.detail,
    agent: letter.agent,
    findingId: letter.findingId ?? null,
    title: letter.title ?? null,
    deliveryCount: letter.deliveryCount ?? null,
    attributes: letter.attributes,
    dataEncoding: utf8 === undefined ? 'base64' : 'utf8',
    data: utf8 ?? letter.data.toString('base64'),
  };
}

/** `message M (finding F, reason R)` for replay and purge reports. */
export function letterLabel(letter: DeadLetter): string {
  const finding = letter.findingId ? `finding ${terminalSafe(letter.findingId, 128)}, ` : '';
  return `message ${letter.messageId} (${finding}${terminalSafe(letter.reason, 40)})`;
}

function ageSeconds(now: number, time: Date): number {
  return Math.max(0, Math.floor((now - time.getTime()) / 1000));
}

function decodeUtf8(data: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    return undefined;
  }
}
