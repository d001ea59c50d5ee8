import type { Finding } from '../../finding/schema.js';
import { markerFor } from './marker.js';

export { findMarker, markerFor } from './marker.js';

/** GitHub rejects longer titles and bodies with 422 (limits-and-pains.md, "Payload too large"). */
export const GITHUB_TITLE_MAX = 256;
export const GITHUB_BODY_MAX = 65_536;
export const GITHUB_LABEL_MAX = 50;
/** Every relay issue carries it: the index fallback lists issues by this label. */
export const RELAY_LABEL = 'finding-relay';

export interface RenderedIssue {
  readonly title: string;
  readonly body: string;
  readonly labels: string[];
}

export interface RenderOptions {
  /** The environment label (`STAGING`, or `[STAGING] ` as a ready prefix); undefined in prod. */
  readonly label: string | undefined;
  /** The closed issue this one follows up; rendered as `Previously: #N`. */
  readonly previousIssue?: number;
}

const ZWSP = '\u200B';

/**
 * Character references an HTML parser turns into `@` or `#` (numeric ones also without the `;`,
 * which a parser still decodes inside raw HTML). GitHub decodes them before it looks for mentions
 * and references, so they are turned back into the plain character first.
 */
const AT_REFERENCE = /&(?:#0*64(?![0-9])|#[xX]0*40(?![0-9a-fA-F])|commat;);?/g;
const HASH_REFERENCE = /&(?:#0*35(?![0-9])|#[xX]0*23(?![0-9a-fA-F])|num;);?/g;

/**
 * Breaks what GitHub would turn into a notification or a backlink in text taken from a finding.
 *
 * Mentions: a zero-width space follows **every** `@`. GitHub's rule (an `@` not preceded by a word
 * character) applies to the rendered text, after markdown and HTML have moved things around
 * (`_@user_`, `<b>@user</b>`, `a&#64;user`), so no rule about what precedes an `@` in the source
 * can be complete; a username, though, must start right after the `@`, and nothing markdown or
 * HTML does can remove the zero-width space in between. It needs no list of markup forms, applies
 * inside code too (harmless there, invisible) and leaves an e-mail address readable (no longer a
 * `mailto:` link). The full-width `＠` is treated the same.
 *
 * References: `#123`, `owner/repo#123` and `GH-123` get the same break before a digit, or before
 * a `&` that could spell one. Full issue URLs are left alone (they stay links, and also create
 * backlinks: a known limit).
 */
export function neutralise(text: string): string {
  return text
    .replace(AT_REFERENCE, '@')
    .replace(HASH_REFERENCE, '#')
    .replace(/[@\uFF20](?!\u200B)/g, `$&${ZWSP}`)
    .replace(/#(?=[0-9&])/g, `#${ZWSP}`)
    .replace(/\b(GH)-(?=[0-9&])/gi, `$1${ZWSP}-`);
}

/** One line of inline markdown: neutralised, markdown/HTML syntax escaped, line breaks as <br>. */
function inline(text: string): string {
  return neutralise(text)
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

function prefixFor(label: string | undefined): string {
  if (label === undefined || label.trim() === '') return '';
  const trimmed = label.trim();
  return /^\[.*\]$/.test(trimmed) ? `${trimmed} ` : `[${trimmed}] `;
}

export function renderTitle(finding: Finding, label: string | undefined): string {
  const title = `${prefixFor(label)}${neutralise(finding.title)}`;
  return title.length <= GITHUB_TITLE_MAX ? title : `${cut(title, GITHUB_TITLE_MAX - 1)}…`;
}

export function renderLabels(finding: Finding): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of [RELAY_LABEL, `severity:${finding.severity}`, ...(finding.labels ?? [])]) {
    const label = cut(raw.trim(), GITHUB_LABEL_MAX);
    const key = label.toLowerCase(); // GitHub label names are case-insensitive
    if (label === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(label);
  }
  return out;
}

/**
 * Raw HTML that an HTML parser would let run to the end of the issue: a comment, a processing
 * instruction, CDATA, or a raw-text element such as `<script>` or `<textarea>` that is never closed
 * (GitHub then drops or hides everything after it, the relay's own sections included).
 */
const SWALLOWING_HTML =
  /<(?=!--|\?|!\[CDATA\[|\/?(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)(?![A-Za-z0-9-]))/gi;

/** A zero-width space after such a `<` makes it plain text, shown as typed. */
function defuseHtml(markdown: string): string {
  return markdown.replace(SWALLOWING_HTML, `<${ZWSP}`);
}

/** Closes a code fence the finding left open, so it cannot swallow the relay's own sections. */
function closeFences(markdown: string): string {
  const fences = markdown.split('\n').filter((line) => /^ {0,3}(```|~~~)/.test(line)).length;
  return fences % 2 === 1 ? `${markdown}\n\`\`\`` : markdown;
}

function summaryTable(finding: Finding, previousIssue: number | undefined): string {
  const rows: Array<[string, string]> = [
    ['Severity', inline(finding.severity)],
    ['Agent', inline(finding.source.agent)],
  ];
  if (finding.source.run) rows.push(['Run', inline(finding.source.run)]);
  rows.push(['Occurred at', inline(finding.occurredAt)]);
  if (finding.repo) rows.push(['Repository', inline(finding.repo)]);
  if (finding.url) rows.push(['Details', `<${finding.url}>`]);
  rows.push(['Event id', inline(finding.id)]);
  // Deliberately a live reference: the relay links its own previous issue.
  if (previousIssue !== undefined) rows.push(['Previously', `#${previousIssue}`]);
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| **${k}** | ${v} |`)].join('\n');
}

function metadataTable(metadata: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return '';
  const rows = entries.map(([k, v]) => `| ${inline(k)} | ${inline(v)} |`);
  return ['### Metadata', '', '| key | value |', '|---|---|', ...rows].join('\n');
}

/**
 * Renders a finding as an issue. The marker is the body's first line; everything taken from the
 * finding is neutralised; the body stays within GitHub's limit (the finding's text is cut first,
 * and the cut is said).
 */
export function renderIssue(finding: Finding, options: RenderOptions): RenderedIssue {
  const head = `${markerFor(finding.fingerprint)}\n\n${summaryTable(finding, options.previousIssue)}\n\n`;
  const footer = `\n\n---\n<sub>Opened by finding-relay · fingerprint ${inline(finding.fingerprint)}</sub>\n`;
  let metadata = metadataTable(finding.metadata);
  const text = finding.body?.trim()
    ? closeFences(defuseHtml(neutralise(finding.body)))
    : '_No details were given._';
  let section = `### Finding\n\n${text}`;
  const total = () => head.length + section.length + (metadata ? metadata.length + 2 : 0) + footer.length;
  if (total() > GITHUB_BODY_MAX) {
    const note = (shown: number) =>
      `\n\n_… truncated by finding-relay: ${shown} of ${text.length} characters of the finding are shown._`;
    const room = () => GITHUB_BODY_MAX - head.length - footer.length - (metadata ? metadata.length + 2 : 0);
    if (room() < 2_000) metadata = '_Metadata omitted: the issue body would exceed GitHub’s limit._';
    const budget = room() - '### Finding\n\n'.length - note(text.length).length - 4;
    const shown = closeFences(cut(text, Math.max(0, budget)));
    section = `### Finding\n\n${shown}${note(Math.min(text.length, Math.max(0, budget)))}`;
  }
  const body = `${head}${section}${metadata ? `\n\n${metadata}` : ''}${footer}`;
  return {
    title: renderTitle(finding, options.label),
    body: cut(body, GITHUB_BODY_MAX),
    labels: renderLabels(finding),
  };
}

/** The comment added to an open issue when its finding recurs after the dedupe window. */
export function renderRecurrenceComment(count: number, since: string, finding: Finding): string {
  const times = count === 1 ? '1 time' : `${count} times`;
  const lines = [
    `Seen again **${times}** since ${inline(since)}.`,
    '',
    `Latest: ${inline(finding.occurredAt)} · severity ${inline(finding.severity)} · agent ${inline(finding.source.agent)}` +
      (finding.source.run ? ` · run ${inline(finding.source.run)}` : '') +
      ` · event ${inline(finding.id)}`,
  ];
  if (finding.url) lines.push('', `Details: <${finding.url}>`);
  return lines.join('\n');
}
