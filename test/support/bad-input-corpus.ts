/**
 * The bad-input corpus (test/fixtures/bad-input): every file is one Pub/Sub message body, and
 * manifest.json says what must become of it. Cases too big or too regular to commit are built
 * here, deterministically, from the manifest's `generated` section.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testFindingInput } from '../../src/finding/test-findings.js';
import type { IntakeFailureReason } from '../../src/pipeline/types.js';

export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/bad-input/', import.meta.url));
export const MANIFEST_FILE = 'manifest.json';
const LIMIT = 256 * 1024;

/**
 * What a delivered case must show:
 * - `slack-listed`: its title marker (`bi-…`, the title's first word) is in an accepted Slack payload;
 * - `github-issue`: an issue in its repo carries its fingerprint's marker (GitHub outcome `sent`);
 * - `github-inert`: that issue has no live @mention or #123 reference taken from finding text;
 * - `marker-roundtrip`: the issue's hidden marker decodes to exactly the finding's fingerprint;
 * - `github-sections-visible`: the relay's own footer is not hidden by an HTML comment, a code fence
 *   or an element the finding left open;
 * - `github-labels-reserved`: the issue's only `severity:*` label is the finding's own severity, and
 *   no label of the finding spells the relay's own (`finding-relay:*`, `severity:*`);
 * - `github-visible-text`: the issue has no bidi or invisible character from the finding and loads
 *   no remote image (see githubTextProblems);
 * - `github-dropped:REASON`: the GitHub outcome is `dropped` with that reason.
 * Every Slack payload and GitHub request is checked as a whole too (escaping, OpenAPI, limits).
 */
export type DeliveredCheck =
  | 'slack-listed'
  | 'github-issue'
  | 'github-inert'
  | 'marker-roundtrip'
  | 'github-sections-visible'
  | 'github-labels-reserved'
  | 'github-visible-text'
  | `github-dropped:${'no-repo' | 'not-allowlisted'}`;

export type Fate =
  | { readonly expect: 'dead-letter'; readonly reason: IntakeFailureReason; readonly tries: string }
  | { readonly expect: 'delivered'; readonly checks: readonly DeliveredCheck[]; readonly tries: string };

export interface CorpusCase {
  /** The file name, or the generated case's name. */
  readonly name: string;
  readonly data: Buffer;
  readonly fate: Fate;
  readonly generated: boolean;
}

interface Manifest {
  readonly files: Record<string, Fate>;
  readonly generated: Record<string, Fate>;
}

/** A small deterministic PRNG (mulberry32), so "random" cases are the same on every run. */
function randomBytes(length: number, seed: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/**
 * A valid finding (as published, testFindingInput's) whose title starts with `marker`; `over` is
 * spread over it unchecked, so a case can make it invalid.
 */
function validFinding(marker: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...testFindingInput({
      id: `bad-input-${marker}`,
      source: { agent: 'bad-input-corpus', run: 'corpus-run-1' },
      severity: 'high',
      title: `${marker} a generated finding`,
      body: 'Plain body.',
      repo: 'acme/widgets',
    }),
    ...over,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
/** JSON text padded with trailing spaces (valid JSON white space) to exactly `size` bytes. */
const paddedTo = (value: unknown, size: number) => {
  const text = json(value);
  if (text.length > size) throw new Error(`padding target ${size} is below ${text.length}`);
  return Buffer.concat([text, Buffer.alloc(size - text.length, 0x20)]);
};
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** `count` copies of `unit`, cut to exactly `length` characters. */
const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

const GENERATORS: Record<string, () => Buffer> = {
  'oversize-body-300kib': () => json(validFinding('bi-q01', { body: 'x'.repeat(300 * 1024) })),
  'oversize-by-one-byte': () => paddedTo(validFinding('bi-q02'), LIMIT + 1),
  'at-size-limit-exactly': () => paddedTo(validFinding('bi-q03'), LIMIT),
  'oversize-1mib-random-bytes': () => randomBytes(1024 * 1024, 1),
  'oversize-2mib-deep-nesting': () => Buffer.from(nested(1024 * 1024)),
  'random-bytes-4kib': () => randomBytes(4096, 2),
  'deep-nesting-100k-arrays': () => Buffer.from(nested(100_000)),
  'deep-nesting-in-unknown-field': () =>
    Buffer.from(`${JSON.stringify(validFinding('bi-q04')).slice(0, -1)},"extra":${nested(100_000)}}`),
  'deep-nesting-unclosed': () => Buffer.from('['.repeat(200_000)),
  'unknown-keys-10000': () =>
    json({
      ...validFinding('bi-q05'),
      ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`unknown_${i}`, i])),
    }),
  'fingerprint-10kb': () => json(validFinding('bi-q06', { fingerprint: fill('../%2F..%2f', 10_240) })),
  'title-10kb-of-mentions': () => json(validFinding('bi-q07', { title: fill('<!channel> ', 10_240) })),
  'body-20001-chars': () => json(validFinding('bi-q08', { body: 'b'.repeat(20_001) })),
  'body-10000-lines-of-mentions': () => json(validFinding('bi-q09', { body: '@u\n'.repeat(10_000) })),
  'body-10000-lines': () => json(validFinding('bi-q10', { body: 'x\n'.repeat(10_000) })),
  'body-10000-empty-lines': () => json(validFinding('bi-q11', { body: '\n'.repeat(10_000) })),
  'body-mention-flood': () => json(validFinding('bi-q12', { body: '@ab '.repeat(5_000) })),
  'body-crosslink-flood': () => json(validFinding('bi-q13', { body: '#12 '.repeat(5_000) })),
  'every-field-at-max-with-markup': () =>
    json(
      validFinding('bi-q14', {
        id: `bad-input-bi-q14-${'_'.repeat(128 - 'bad-input-bi-q14-'.length)}`,
        title: `bi-q14 ${fill('<!channel>&', 249)}`,
        source: { agent: fill('<!here>', 100), run: fill('@run|', 200) },
        body: fill('#1 @a <b> | \\ ``` ', 20_000),
        fingerprint: fill('<!--@#', 200),
        labels: Array.from({ length: 10 }, (_, i) => `${i}${fill('<@U0123>', 49)}`),
        metadata: Object.fromEntries(
          Array.from({ length: 20 }, (_, i) => [
            `${i}${fill('|@#', 100 - String(i).length)}`,
            fill('<\\*_[]|~`@#', 1000),
          ]),
        ),
        url: `https://example.com/${fill('a&b', 2020)}`,
      }),
    ),
};

/** Wrappers of an `@mention` (before, after) and spellings of `@`, for the generated variants. */
const MENTION_WRAPPERS: readonly (readonly [string, string])[] = [
  ['_', '_'],
  ['*', '*'],
  ['**', '**'],
  ['~~', '~~'],
  ['[', '](https://x.example)'],
  ['<b>', '</b>'],
  ['<em>', '</em>'],
  ['<span title="a">', '</span>'],
  ['x', ''],
  ['\\', ''],
  ['`', '`'],
  ['<details><summary>', '</summary></details>'],
];
const AT_SPELLINGS = ['@', '&#64;', '&#x40;', '&#X040;', '&commat;', '&#0064;', '&#64', '&#x40'];
/** Lines that look like they close a fence of `char` × n but do not: shorter, the other character, or with an info string. */
const FENCE_CLOSERS = (char: string, other: string, n: number): string[] => [
  ...(n > 3 ? [char.repeat(n - 1)] : []),
  other.repeat(n),
  `${char.repeat(n)} info`,
];
const CONTAINERS = [
  'details',
  'div',
  'table',
  'blockquote',
  'sub',
  'sup',
  'b',
  'pre',
  'ul',
  'ol',
  'dl',
  'p',
  'q',
];
/** Bidi controls and format characters: all invisible, all stripped. */
const INVISIBLES = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u200b',
  '\u2060',
  '\u2061',
  '\u2064',
  '\ufeff',
  '\u00ad',
  '\u{e0001}',
  '\u{e0041}',
  '\u{e007f}',
  '\u180e',
];

/** A fence of `char` × n left open, then every way of 'closing' it that does not close it. */
function fenceVariants(char: string, other: string): string {
  const parts: string[] = [];
  for (let n = 3; n <= 6; n++) {
    for (const closer of FENCE_CLOSERS(char, other, n))
      parts.push(`${char.repeat(n)}\n@octocat #${n}\n${closer}`);
  }
  return parts.join('\n\ntext between\n\n');
}

const HOSTILE_GENERATORS: Record<string, () => Buffer> = {
  'metadata-21000-entries': () =>
    json(
      validFinding('bi-y20', {
        metadata: Object.fromEntries(Array.from({ length: 21_000 }, (_, i) => [`${i}`, ''])),
      }),
    ),
  'mentions-in-markup-variants': () =>
    json(
      validFinding('bi-y21', {
        body: MENTION_WRAPPERS.flatMap(([open, close]) =>
          AT_SPELLINGS.map((at) => `${open}${at}octocat${close} ${open}${at}acme/security${close}`),
        ).join('\n'),
      }),
    ),
  'fence-variants-backtick': () => json(validFinding('bi-y22', { body: fenceVariants('`', '~') })),
  'fence-variants-tilde': () => json(validFinding('bi-y23', { body: fenceVariants('~', '`') })),
  'unclosed-elements-variants': () =>
    json(
      validFinding('bi-y24', {
        body: CONTAINERS.map(
          (name, i) => `${i % 2 ? '\n\n' : ''}<${name}${i % 3 ? ' class="x"' : ''}>text ${i}`,
        ).join(''),
      }),
    ),
  'invisible-characters-variants': () =>
    json(
      validFinding('bi-y25', {
        title: `bi-y25 ${INVISIBLES.filter((c) => !/[\u202a-\u202e\u2066-\u2069]/.test(c)).join('x')}`,
        body: INVISIBLES.map((c) => `pay${c}load`).join(' '),
        metadata: Object.fromEntries(INVISIBLES.slice(0, 20).map((c, i) => [`k${i}`, `v${c}v`])),
      }),
    ),
};

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(`${CORPUS_DIR}${MANIFEST_FILE}`, 'utf8')) as Manifest;
}

/** Files in the corpus directory other than the manifest (and dotfiles such as .gitattributes). */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name !== MANIFEST_FILE && !name.startsWith('.'))
    .sort();
}

export const generatorNames = (): string[] =>
  [...Object.keys(GENERATORS), ...Object.keys(HOSTILE_GENERATORS)].sort();

/** Every case: the files, then the generated ones. Throws when a manifest entry has no file or generator. */
export function loadBadInputCorpus(): CorpusCase[] {
  const manifest = readManifest();
  const cases: CorpusCase[] = Object.entries(manifest.files).map(([name, fate]) => ({
    name,
    data: readFileSync(`${CORPUS_DIR}${name}`),
    fate,
    generated: false,
  }));
  for (const [name, fate] of Object.entries(manifest.generated)) {
    const generate = GENERATORS[name] ?? HOSTILE_GENERATORS[name];
    if (!generate) throw new Error(`manifest names generated case "${name}" but no generator builds it`);
    cases.push({ name, data: generate(), fate, generated: true });
  }
  return cases;
}

/** The title marker of a delivered case: the first word of its title (`bi-…`), if it has one. */
export function titleMarker(title: string): string | undefined {
  return /^(bi-[a-z0-9]+)\b/.exec(title.trim())?.[1];
}

// ── Checks on what the stand-ins received ────────────────────────────────────────────────────

/** Every `text` string of a Slack payload (top-level text, block texts, context elements). */
export function slackTexts(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (key === 'text') out.push(value);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(payload, '');
  return out;
}

/** The `<href|` a digest may open for a finding's https URL (href with `&` escaped). */
export const slackLinkOpening = (url: string) => `<${new URL(url).href.replace(/&/g, '&amp;')}|`;

/**
 * What in one Slack text could act as markup: `<!…>`, `<@…>`, `<#…>`, any `<…>` other than a link
 * to an allowed finding URL, a stray `>`, a bare `@channel`/`@here`/`@everyone`, or a control or
 * bidi character. Empty when the text is inert.
 */
export function slackMarkupProblems(text: string, allowedOpenings: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (/<[!@#]/.test(text)) problems.push('a <! <@ or <# sequence');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '>') problems.push(`a stray > at ${i}`);
    if (text[i] !== '<') continue;
    const link = /^(<(https:\/\/[^\s<>|]+)\|)([^<>]*)>/.exec(text.slice(i));
    if (link && allowedOpenings.has(link[1]!)) {
      // A link's label shows its own host, never text a finding chose.
      const host = new URL(link[2]!.replace(/&amp;/g, '&')).host;
      if (link[3] !== host) problems.push(`a link labelled ${JSON.stringify(link[3])} to ${host}`);
      i += link[0].length - 1;
    } else problems.push(`markup at ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  }
  if (/@(?:channel|here|everyone)\b/i.test(text)) problems.push('a bare broadcast word');
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text)) {
    problems.push('a control or bidi character');
  }
  return problems;
}

const NAMED_ENTITIES: Record<string, string> = { commat: '@', num: '#', amp: '&', lt: '<', gt: '>' };
/**
 * Decodes character references once, as GitHub's renderer does before it looks for mentions
 * (numeric ones also without `;`, as an HTML parser does in raw HTML).
 */
function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d+);?|#[xX]([0-9a-fA-F]+);?|([a-zA-Z]+);)/g, (all, dec, hex, name) => {
    if (dec ?? hex) return String.fromCodePoint(Number.parseInt(dec ?? hex, dec ? 10 : 16) % 0x110000);
    return NAMED_ENTITIES[name as string] ?? all;
  });
}

/**
 * Live GitHub references in markdown: `@user`, `@org/team`, `#123`, `owner/repo#123`, `GH-123`,
 * also when spelt as character references. `ignore` removes text the relay links on purpose.
 */
export function liveGitHubReferences(markdown: string, ignore: readonly string[] = []): string[] {
  let text = markdown;
  for (const part of ignore) text = text.split(part).join(' ');
  const decoded = decodeEntities(text);
  // Markup between an `@` and what precedes it moves them apart once rendered (`_@user_`,
  // `<b>@user</b>`): look at the text without tags and markdown punctuation too.
  const bare = decodeEntities(text.replace(/<[^<>]*>/g, '')).replace(/[*_~`[\]()\\|]/g, ' ');
  const mentions = [
    ...(decoded.match(/(?<![A-Za-z0-9_])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9_.-]+)?/g) ?? []),
    ...(bare.match(/(?<![A-Za-z0-9_])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9_.-]+)?/g) ?? []),
  ];
  const refs = decoded.match(/(?:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)?#\d+|\bGH-\d+/gi) ?? [];
  return [...mentions, ...refs];
}

/** The end of the whole text (`$` means end of line under the `m` flag). */
const END = '(?![\\s\\S])';
/** A `<` that markdown keeps as markup (not backslash-escaped). */
const OPEN = '(?<!\\\\)<';
const RAW_TEXT_ELEMENTS = 'script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext';

/**
 * An approximation of what GitHub shows of an issue body: without its first line (the marker),
 * without what an unclosed comment, processing instruction, CDATA or raw-text element (script,
 * style, textarea…) would swallow, and without the inside of code fences.
 */
export function visibleIssueText(body: string): string {
  const rest = body.slice(body.indexOf('\n') + 1);
  const hidden = new RegExp(
    `${OPEN}!--[\\s\\S]*?(?:-->|${END})|^ {0,3}<\\?[\\s\\S]*?(?:\\?>|${END})|${OPEN}!\\[CDATA\\[[\\s\\S]*?(?:\\]\\]>|${END})|${OPEN}(${RAW_TEXT_ELEMENTS})\\b[\\s\\S]*?(?:</\\1\\s*>|${END})`,
    'gim',
  );
  const shown = rest.replace(hidden, ' ');
  // CommonMark fences: a fence closes only with its own character, at least as long, nothing after.
  let fence: { char: string; length: number } | undefined;
  const lines: string[] = [];
  for (const line of shown.split(/\r\n|\r|\n/)) {
    const opener = /^ {0,3}(`{3,}(?!.*`)|~{3,})/.exec(line);
    if (fence === undefined && opener) fence = { char: opener[1]![0]!, length: opener[1]!.length };
    else if (fence && new RegExp(`^ {0,3}\\${fence.char}{${fence.length},}[ \\t]*$`).test(line))
      fence = undefined;
    else if (fence === undefined) lines.push(line);
  }
  // An element left open (`<details>` collapses what follows, `<pre>` shows it raw) holds the rest.
  const text = lines.join('\n');
  const open = openElementsBefore(text, text.length);
  return open.length === 0 ? text : text.slice(0, open[0]!.at);
}

const VOID_ELEMENTS = new Set(
  'area base br col embed hr img input link meta source track wbr html head body'.split(' '),
);

/**
 * HTML elements opened before `end` and not closed, oldest first: every `<name` not escaped with
 * a backslash counts as an open (an HTML parser opens an element for far less than markdown calls
 * a tag), and only a complete `</name>` closes the latest open element of that name.
 */
export function openElementsBefore(text: string, end: number): { name: string; at: number }[] {
  const open: { name: string; at: number }[] = [];
  const head = text.slice(0, end);
  for (const m of head.matchAll(/(?<!\\)<(\/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)/g)) {
    const name = m[2]!.toLowerCase();
    if (VOID_ELEMENTS.has(name)) continue;
    if (m[1] === '') open.push({ name, at: m.index });
    else if (/^\s*>/.test(head.slice(m.index + m[0].length))) {
      const i = open.findLastIndex((e) => e.name === name);
      if (i !== -1) open.splice(i, 1);
    }
  }
  return open;
}

/** Characters a reader cannot see (bidi controls, format characters), other than the relay's own breaks. */
const INVISIBLE_FROM_FINDING =
  /(?![\u200b\u200c\u200d])[\p{Cf}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

/** What in an issue's title or body is invisible to a reader, or would load a remote resource. */
export function githubTextProblems(title: string, body: string): string[] {
  const problems: string[] = [];
  for (const [where, text] of [
    ['title', title],
    ['body', body],
  ] as const) {
    const hidden = INVISIBLE_FROM_FINDING.exec(text);
    if (hidden) problems.push(`${where} has U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase()}`);
  }
  if (/!\[/.test(body)) problems.push('a markdown image');
  if (/(?<!\\)<(?:img|image|picture|source|video|audio|svg|object|embed|input)(?![A-Za-z0-9-])/i.test(body)) {
    problems.push('an element that loads a remote resource');
  }
  return problems;
}

/** What breaks the relay's hold on labels: a second severity, or one of its own spelt by the finding. */
export function labelProblems(labels: readonly string[], severity: string): string[] {
  const key = (l: string) =>
    l
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\s\p{Cf}_-]/gu, '');
  const severities = labels.filter((l) => key(l).startsWith('severity:'));
  const problems: string[] = [];
  if (severities.length !== 1 || severities[0] !== `severity:${severity}`) {
    problems.push(`severity labels ${JSON.stringify(severities)}`);
  }
  const relay = labels.filter((l) => key(l).startsWith('findingrelay'));
  if (relay.length !== 1 || relay[0] !== 'finding-relay')
    problems.push(`relay labels ${JSON.stringify(relay)}`);
  return problems;
}
