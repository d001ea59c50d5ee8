import { SEVERITIES, type Severity } from '../../config/types.js';
import { stripInvisible } from '../visible-text.js';
import { escapeSlackText, slackHostLink, TRUNCATION_MARK, truncateEscaped } from './escape.js';

/** The part of a finding a digest shows. */
export interface DigestFinding {
  readonly severity: Severity;
  readonly title: string;
  /** RFC 3339; orders ties within a severity (oldest first). */
  readonly occurredAt: string;
  readonly agent: string;
  readonly repo?: string;
  readonly url?: string;
}

export interface PlainTextObject {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnObject {
  type: 'mrkdwn';
  text: string;
}
/** The Block Kit blocks a digest uses. */
export type Block =
  | { type: 'header'; text: PlainTextObject }
  | { type: 'section'; text: MrkdwnObject }
  | { type: 'context'; elements: MrkdwnObject[] };

export interface DigestMessage {
  /** Notification and fallback text; always starts with `[LABEL] `. */
  text: string;
  blocks: Block[];
}

/**
 * Slack's documented limits, and our own budget under them. The ~13 k aggregate block text limit
 * (`msg_blocks_too_long`, slackapi/bolt-js#2509) is undocumented, so the budget stays below it.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3_000,
  headerText: 150,
  /** Slack truncates longer top-level text; ours stays far below. */
  messageText: 40_000,
  /** Our cap on sections per message: header + sections + context stay well within 50 blocks. */
  listedFindings: 45,
  /** Our total budget for block text in one message. */
  blockTextBudget: 12_000,
  /** Our cap on the fallback `text`. */
  fallbackText: 3_000,
} as const;

const SEVERITY_ORDER: readonly Severity[] = [...SEVERITIES].reverse(); // critical → info

const EMOJI: Record<Severity, string> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_yellow_circle:',
  info: ':information_source:',
};

/** 4950 → "4,950" without depending on the host's locale data. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function countsBySeverity(items: readonly DigestFinding[]): string {
  const counts = new Map<Severity, number>();
  for (const item of items) counts.set(item.severity, (counts.get(item.severity) ?? 0) + 1);
  return SEVERITY_ORDER.filter((s) => counts.has(s))
    .map((s) => `${formatCount(counts.get(s)!)} ${s}`)
    .join(', ');
}

function occurredMs(item: DigestFinding): number {
  const ms = Date.parse(item.occurredAt);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Most severe first; ties oldest first; then arrival order (the sort is stable). */
export function orderForDigest(items: readonly DigestFinding[]): DigestFinding[] {
  const rank = (s: Severity) => SEVERITY_ORDER.indexOf(s);
  return [...items].sort((a, b) => rank(a.severity) - rank(b.severity) || occurredMs(a) - occurredMs(b));
}

/** Invisible characters go first: `\s` counts U+FEFF as a space. */
const oneLine = (s: string) => stripInvisible(s).replace(/\s+/g, ' ').trim();

/**
 * One finding as mrkdwn within `budget` chars: the title is shortened first, the link dropped last.
 * The title is plain text; the link beside it is labelled with its own host (`· <url|host>`), so
 * no text from a finding ever labels a link.
 */
export function renderFindingSection(item: DigestFinding, budget: number): string {
  const head = `${EMOJI[item.severity]} *${item.severity.toUpperCase()}* `;
  const meta = [
    item.repo ? `repo: ${escapeSlackText(oneLine(item.repo))}` : undefined,
    `agent: ${escapeSlackText(oneLine(item.agent))}`,
  ]
    .filter((part) => part !== undefined)
    .join(' · ');
  const title = escapeSlackText(oneLine(item.title)) || '(untitled)';
  const metaLine = truncateEscaped(meta, Math.max(0, Math.floor(budget / 3)));
  const fixed = head.length + 1 + metaLine.length;
  const link = slackHostLink(item.url);
  const linkPart = link === undefined ? '' : ` · ${link}`;
  const minTitle = TRUNCATION_MARK.length + 8;
  const useLink = linkPart !== '' && fixed + linkPart.length + minTitle <= budget;
  const titleRoom = budget - fixed - (useLink ? linkPart.length : 0);
  const shownTitle = truncateEscaped(title, Math.max(0, titleRoom));
  const text = `${head}${shownTitle}${useLink ? linkPart : ''}\n${metaLine}`;
  // The parts above always fit; this guard keeps the limit even if they ever do not (no link then).
  return text.length <= budget ? text : truncateEscaped(`${head}${title}\n${metaLine}`, budget);
}

/**
 * One Slack message for a window of findings: a header with the label and counts, one section per
 * finding for the `max` most severe, and a context line counting the rest. Within Slack's limits for
 * any number of findings, since the rest are only counted.
 */
export function renderDigest(
  items: readonly DigestFinding[],
  opts: { label: string; max: number },
): DigestMessage {
  const prefix = `[${escapeSlackText(oneLine(opts.label))}] `;
  const ordered = orderForDigest(items);
  const listedCount = Math.max(
    0,
    Math.min(Math.floor(opts.max), SLACK_LIMITS.listedFindings, ordered.length),
  );
  const listed = ordered.slice(0, listedCount);
  const rest = ordered.slice(listedCount);
  const total = ordered.length;
  const summary = `${formatCount(total)} finding${total === 1 ? '' : 's'}: ${countsBySeverity(ordered)}`;

  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncateEscaped(prefix + summary, SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
  ];
  const perSection = Math.min(
    SLACK_LIMITS.sectionText,
    Math.floor((SLACK_LIMITS.blockTextBudget - 1_000) / Math.max(1, listedCount)),
  );
  for (const item of listed) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: renderFindingSection(item, perSection) } });
  }
  if (rest.length > 0) {
    const more = `…and ${formatCount(rest.length)} more: ${countsBySeverity(rest)}`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncateEscaped(more, 900) }] });
  }

  const top = ordered[0];
  const topTitle = top ? ` — top: ${escapeSlackText(oneLine(top.title))}` : '';
  const text = truncateEscaped(`${prefix}${summary}${topTitle}`, SLACK_LIMITS.fallbackText);
  return { text, blocks };
}
