import type { Finding } from '../../finding/schema.js';
import type { RoutedFinding } from '../types.js';
import { stripInvisible } from '../visible-text.js';
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
 * Breaks what GitHub would turn into a notification or a backlink in text taken from a finding,
 * after removing control, bidi and other invisible characters (as the Slack channel does).
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
  return stripInvisible(text)
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

/**
 * Whether a finding's label falls in the relay's own namespace (`finding-relay`, `finding-relay:*`,
 * `severity:*`), compared as a reader would: case, width (NFKC), spaces, dashes, underscores and
 * invisible characters aside. A finding may not set them: its severity label is the relay's.
 */
export function isReservedLabel(label: string): boolean {
  const key = label
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{Cf}_-]/gu, '');
  return key === 'findingrelay' || key.startsWith('findingrelay:') || key.startsWith('severity:');
}

/**
 * The relay's label, the severity label, then the finding's own labels (those outside the relay's
 * namespace), trimmed, cut to GitHub's 50 characters, deduped case-insensitively. GitHub creates
 * a label that a repository does not have yet.
 */
export function renderLabels(finding: Finding): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const own = (finding.labels ?? []).filter((label) => !isReservedLabel(label));
  for (const raw of [RELAY_LABEL, `severity:${finding.severity}`, ...own]) {
    const label = cut(raw.trim(), GITHUB_LABEL_MAX);
    const key = label.toLowerCase(); // GitHub label names are case-insensitive
    if (label === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(label);
  }
  return out;
}

/**
 * Raw HTML that an HTML parser would let run to the end of the issue: a comment, a declaration or
 * CDATA (`<!`), a processing instruction (`<?`), or a raw-text element such as `<script>` or
 * `<textarea>` that is never closed (GitHub then drops or hides everything after it, the relay's
 * own sections included).
 */
const SWALLOWING_HTML =
  /<(?=!|\?|\/?(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext)(?![A-Za-z0-9-]))/gi;

/**
 * Elements that load a remote resource when the issue is viewed (a tracking pixel tells its
 * sender who read the finding, and when). `<image` is one too: HTML parsers read it as `<img`.
 */
const REMOTE_MEDIA_HTML =
  /<(?=\/?(?:img|image|picture|source|video|audio|track|svg|object|embed|input)(?![A-Za-z0-9-]))/gi;

/**
 * A zero-width space after such a `<` makes it plain text, shown as typed; after the `!` of a
 * markdown image (`![alt](url)`, `![alt][ref]`) it leaves a plain link: nothing of the body is
 * loaded by viewing the issue.
 */
function defuseHtml(markdown: string): string {
  return markdown
    .replace(SWALLOWING_HTML, `<${ZWSP}`)
    .replace(REMOTE_MEDIA_HTML, `<${ZWSP}`)
    .replace(/!(?=\[)/g, `!${ZWSP}`);
}

/** A fence opener (CommonMark): up to 3 spaces, 3+ backticks (info without backticks) or tildes. */
const FENCE_OPENER = /^ {0,3}(`{3,}(?!.*`)|~{3,})(.*)$/;

/**
 * Makes the finding's fences unambiguous: line ends become `\n` (CommonMark also ends a line at a
 * lone `\r`), and a line that opens a fence starts at the margin after a blank line, so it opens a
 * top-level fence whatever came before (an HTML block, a list item): what this function counts is
 * then what GitHub sees.
 */
function settleFences(markdown: string): string {
  const out: string[] = [];
  let fence: { char: string; length: number } | undefined;
  for (const line of markdown.split(/\r\n|\r|\n/)) {
    const opener = fence === undefined ? FENCE_OPENER.exec(line) : null;
    if (opener) {
      fence = { char: opener[1]![0]!, length: opener[1]!.length };
      if (out.length > 0 && out[out.length - 1]!.trim() !== '') out.push('');
      out.push(`${opener[1]}${opener[2]}`);
      continue;
    }
    if (fence && closesFence(line, fence)) fence = undefined;
    out.push(line);
  }
  return out.join('\n');
}

function closesFence(line: string, fence: { char: string; length: number }): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1]![0] === fence.char && m[1]!.length >= fence.length;
}

/** The fence left open at the end of settled markdown, if any. */
function openFence(markdown: string): { char: string; length: number } | undefined {
  let fence: { char: string; length: number } | undefined;
  for (const line of markdown.split('\n')) {
    if (fence === undefined) {
      const opener = FENCE_OPENER.exec(line);
      if (opener) fence = { char: opener[1]![0]!, length: opener[1]!.length };
    } else if (closesFence(line, fence)) fence = undefined;
  }
  return fence;
}

/** Elements with no end tag (an end tag such as `</br>` would even add one), and the document's own. */
const NO_END_TAG = new Set(
  'area base br col embed hr img input link meta source track wbr html head body'.split(' '),
);
/** More end tags than this, and the body is shown as code instead (see containBody). */
const MAX_END_TAGS = 50;

/** The paragraphs (runs of non-blank lines) of settled markdown outside fenced code, with offsets. */
function paragraphsOutsideFences(markdown: string): { text: string; at: number }[] {
  const paragraphs: { text: string; at: number }[] = [];
  let current: { text: string; at: number } | undefined;
  let fence: { char: string; length: number } | undefined;
  let at = 0;
  for (const line of markdown.split('\n')) {
    const lineAt = at;
    at += line.length + 1;
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    const opener = FENCE_OPENER.exec(line);
    if (opener || line.trim() === '') {
      if (current) paragraphs.push(current);
      current = undefined;
      if (opener) fence = { char: opener[1]![0]!, length: opener[1]!.length };
    } else if (current) current.text += `\n${line}`;
    else current = { text: line, at: lineAt };
  }
  if (current) paragraphs.push(current);
  return paragraphs;
}

/**
 * End tags for the elements the markdown may leave open, innermost first. It errs towards too
 * many, since GitHub's sanitiser drops an end tag with nothing to close while one too few lets an
 * element hold the relay's sections: any `<name` counts as an open (an HTML parser opens elements
 * for less than markdown calls a tag; in code it is harmless to count one), and a `</name>`
 * closes the latest open of its name only where it surely is markup: outside fenced code, in a
 * paragraph without a backtick (a code span) or a quote (an attribute value).
 */
function unclosedElements(markdown: string): string[] {
  const tags: { at: number; name: string; close: boolean }[] = [];
  for (const m of markdown.matchAll(/<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)/g)) {
    const name = m[1]!.toLowerCase();
    if (!NO_END_TAG.has(name)) tags.push({ at: m.index, name, close: false });
  }
  for (const paragraph of paragraphsOutsideFences(markdown)) {
    if (/[`"']/.test(paragraph.text)) continue;
    for (const m of paragraph.text.matchAll(/(?<!\\)<\/([A-Za-z][A-Za-z0-9-]*)\s*>/g)) {
      tags.push({ at: paragraph.at + m.index, name: m[1]!.toLowerCase(), close: true });
    }
  }
  const open: string[] = [];
  for (const tag of tags.sort((a, b) => a.at - b.at)) {
    if (!tag.close) open.push(tag.name);
    else {
      const i = open.lastIndexOf(tag.name);
      if (i !== -1) open.splice(i, 1);
    }
  }
  return open.reverse();
}

/**
 * Closes what the finding's markdown left open, so nothing of it can hold the relay's own sections:
 * a fence with its own character and length, then each open element, by end tags on lines of their
 * own after a blank line (raw HTML to markdown, so they are never shown as text). undefined when
 * that would take more than MAX_END_TAGS end tags.
 */
function closeOpenBlocks(settled: string): string | undefined {
  let out = settled;
  const fence = openFence(out);
  if (fence) out += `\n${fence.char.repeat(fence.length)}`;
  const elements = unclosedElements(out);
  if (elements.length > MAX_END_TAGS) return undefined;
  if (elements.length > 0) out += `\n\n${elements.map((name) => `</${name}>`).join('\n')}`;
  return out;
}

/** Text in a fence no line of it can close: longer than any run of backticks in it. */
function asCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text.replace(/\r\n|\r/g, '\n')}\n${fence}`;
}

/**
 * The finding's body as markdown that cannot reach past its own section: fences settled and
 * closed, open elements closed; a body that would need a flood of end tags is shown as code, a
 * container it cannot escape.
 */
function containBody(body: string): string {
  const settled = settleFences(defuseHtml(neutralise(body)));
  return closeOpenBlocks(settled) ?? asCode(neutralise(body));
}

function summaryTable(finding: RoutedFinding, previousIssue: number | undefined): string {
  const rows: Array<[string, string]> = [
    ['Severity', inline(finding.severity)],
    ['Agent', inline(finding.source.agent)],
  ];
  if (finding.source.run) rows.push(['Run', inline(finding.source.run)]);
  rows.push(['Occurred at', inline(finding.occurredAt)]);
  if (finding.repo) rows.push(['Repository', inline(finding.repo)]);
  if (finding.routedFrom && finding.routedFrom !== finding.repo)
    rows.push(['Found in', `${inline(finding.routedFrom)} (sent here by a route)`]);
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
export function renderIssue(finding: RoutedFinding, options: RenderOptions): RenderedIssue {
  const head = `${markerFor(finding.fingerprint)}\n\n${summaryTable(finding, options.previousIssue)}\n\n`;
  const footer = `\n\n---\n<sub>Opened by finding-relay · fingerprint ${inline(finding.fingerprint)}</sub>\n`;
  let metadata = metadataTable(finding.metadata);
  const text = finding.body?.trim() ? containBody(finding.body) : '_No details were given._';
  let section = `### Finding\n\n${text}`;
  const total = () => head.length + section.length + (metadata ? metadata.length + 2 : 0) + footer.length;
  if (total() > GITHUB_BODY_MAX) {
    const note = (shown: number) =>
      `\n\n_… truncated by finding-relay: ${shown} of ${text.length} characters of the finding are shown._`;
    const room = () => GITHUB_BODY_MAX - head.length - footer.length - (metadata ? metadata.length + 2 : 0);
    if (room() < 2_000) metadata = '_Metadata omitted: the issue body would exceed GitHub’s limit._';
    const budget = room() - '### Finding\n\n'.length - note(text.length).length - 4;
    // What closes the cut text (a fence, end tags, or a code block around it) takes room too:
    // cut further until the whole fits, so the relay's own sections are never what gets cut.
    let keep = Math.max(0, budget);
    let shown = '';
    for (let tries = 0; tries < 8; tries++) {
      const kept = cut(text, keep);
      shown = closeOpenBlocks(kept) ?? asCode(kept);
      const over = shown.length - Math.max(0, budget);
      if (over <= 0) break;
      shown = '';
      keep = Math.max(0, keep - over);
    }
    section = `### Finding\n\n${shown}${note(Math.min(text.length, keep))}`;
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
