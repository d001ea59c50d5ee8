import { z } from 'zod';
import { defaultFingerprint } from './fingerprint.js';
import { SEVERITIES } from './severity.js';

/** Messages (Pub/Sub `data`) larger than this are invalid (`too-large`), checked before decoding. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * Every bound of schema version 1, for code that renders or truncates finding text. zod (4.6+)
 * measures string lengths in Unicode code points, as JSON Schema's maxLength does.
 */
export const FINDING_LIMITS = {
  idMax: 128,
  agentMax: 100,
  runMax: 200,
  titleMax: 256,
  bodyMax: 20_000,
  repoMax: 140,
  fingerprintMax: 200,
  labelsMax: 10,
  labelMax: 50,
  urlMax: 2048,
  metadataPairsMax: 20,
  metadataKeyMax: 100,
  metadataValueMax: 1000,
} as const;
const L = FINDING_LIMITS;

/**
 * Single-line fields refuse C0/C1 control characters (NUL, CR, LF, TAB, ESC, …), DEL, the
 * Unicode line/paragraph separators and the bidirectional embedding/override/isolate controls
 * (U+202A–U+202E, U+2066–U+2069), which can make a title or repo read differently than it is.
 * The regex is written with `\u` escapes so its source is a valid JSON Schema pattern too.
 */
const SINGLE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;
/** Multi-line text (body, metadata values): control characters other than TAB, LF and CR refused. */
const MULTI_LINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;
const ID = /^[A-Za-z0-9._:-]+$/;
/**
 * GitHub's rules: owner 1–39 ASCII letters/digits with single inner hyphens; name 1–100 of
 * `[A-Za-z0-9._-]`, never `.` or `..`; exactly one slash. ASCII only, so look-alike letters,
 * `%2F` and extra slashes cannot pass.
 */
const REPO = /^(?=[A-Za-z0-9-]{1,39}\/)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
/** `https://` then RFC 3986 characters only (`%` only as a %XX escape): no spaces, quotes, `<>|`. */
const HTTPS_URL = /^https:\/\/(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const YEAR_1970_TO_9999 = /^(?:19[7-9]\d|[2-9]\d{3})-/;
/** Keys JavaScript treats specially: refused, so a record can never touch a prototype. */
const NOT_RESERVED_KEY = /^(?!(?:__proto__|constructor|prototype)$)/;

const TITLE_LENGTH_MESSAGE = `must be 1–${L.titleMax} characters after trimming`;
const CONTROL_MESSAGE = 'must not contain control, line-separator or bidi-override characters';
const typeError = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;
const lengthMessage = (min: number, max: number) =>
  min === 0 ? `must be at most ${max} characters` : `must be ${min}–${max} characters`;

function text(min: number, max: number, charset: RegExp, charsetMessage: string) {
  return z
    .string({ error: typeError('a string') })
    .min(min, { error: lengthMessage(min, max), abort: true })
    .max(max, { error: lengthMessage(min, max), abort: true })
    .regex(charset, { error: charsetMessage });
}
const singleLine = (min: number, max: number) => text(min, max, SINGLE_LINE, CONTROL_MESSAGE);

/** WHATWG URL parse on top of the pattern: https, a non-empty host, no credentials. */
function isSafeHttpsUrl(raw: string): boolean {
  const authority = raw.slice('https://'.length).split(/[/?#]/, 1)[0] ?? '';
  if (authority === '' || authority.includes('@')) return false;
  if (!URL.canParse(raw)) return false;
  const url = new URL(raw);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}

const sourceSchema = z
  .strictObject(
    {
      agent: singleLine(1, L.agentMax).meta({ description: 'The publishing agent, e.g. `dep-scanner`.' }),
      run: singleLine(1, L.runMax).optional().meta({ description: "The agent's run id." }),
    },
    { error: typeError('an object') },
  )
  .meta({ description: 'Who published the finding.' });

const TOO_MANY_PAIRS = `must have at most ${L.metadataPairsMax} entries`;

/**
 * Checks on the object as a whole, before the record looks at any entry (an issue here stops the
 * pipe): the entry count first, so a 256 KiB message of tens of thousands of pairs is refused
 * without validating each one; and an own `__proto__` key, which zod's record silently skips
 * (JSON.parse creates one), so a publisher learns instead of losing a pair. The JSON Schema shows
 * the record alone (a preprocess step renders as its target on the input side).
 */
function checkMetadataShape(value: Readonly<Record<string, string>>, ctx: z.RefinementCtx): unknown {
  // Typed as the record so FindingInput keeps its metadata type; at run time it may be anything.
  if (typeof value !== 'object' || value === null) return value;
  if (Object.keys(value).length > L.metadataPairsMax) {
    ctx.addIssue({ code: 'custom', message: TOO_MANY_PAIRS, input: value });
  } else if (Object.hasOwn(value, '__proto__')) {
    ctx.addIssue({ code: 'custom', message: 'key "__proto__" is a reserved key', input: value });
  }
  return value;
}

const metadataRecord = z
  .record(
    singleLine(1, L.metadataKeyMax).regex(NOT_RESERVED_KEY, { error: 'is a reserved key' }),
    text(0, L.metadataValueMax, MULTI_LINE, 'must not contain control characters other than tab and newline'),
    { error: typeError('an object of string values') },
  )
  .refine((pairs) => Object.keys(pairs).length <= L.metadataPairsMax, { error: TOO_MANY_PAIRS });

const metadataSchema = z.preprocess(checkMetadataShape, metadataRecord).meta({
  maxProperties: L.metadataPairsMax,
  description:
    `At most ${L.metadataPairsMax} string→string pairs shown as context; keys 1–${L.metadataKeyMax} ` +
    `characters on one line (not __proto__, constructor, prototype), values at most ` +
    `${L.metadataValueMax} characters.`,
});

/** The finding event as published (schema version 1). Unknown fields are rejected at every level. */
export const findingInputSchema = z
  .strictObject(
    {
      schemaVersion: z.literal(1, { error: typeError('the number 1') }),
      id: z
        .string({ error: typeError('a string') })
        .min(1, { error: lengthMessage(1, L.idMax), abort: true })
        .max(L.idMax, { error: lengthMessage(1, L.idMax), abort: true })
        .regex(ID, { error: 'must contain only A-Z a-z 0-9 . _ : -' })
        .meta({ description: 'Unique per occurrence; the idempotency key of the event.' }),
      source: sourceSchema,
      severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }),
      title: z
        .string({ error: typeError('a string') })
        // Checked before trimming, so a leading newline is refused exactly as the JSON Schema does.
        .regex(SINGLE_LINE, { error: CONTROL_MESSAGE, abort: true })
        .regex(/\S/, { error: TITLE_LENGTH_MESSAGE, abort: true })
        // Zero-width and other invisible format characters alone would announce a blank title.
        .refine((t) => /[^\s\p{Cf}]/u.test(t), { error: 'must contain a visible character', abort: true })
        .trim()
        .max(L.titleMax, { error: TITLE_LENGTH_MESSAGE })
        .meta({ description: `One line, 1–${L.titleMax} characters after trimming (stored trimmed).` }),
      body: text(0, L.bodyMax, MULTI_LINE, 'must not contain control characters other than tab and newline')
        .optional()
        .meta({ description: `Markdown, at most ${L.bodyMax} characters.` }),
      repo: z
        .string({ error: typeError('a string') })
        .max(L.repoMax, { error: 'must be owner/name', abort: true })
        .regex(REPO, { error: "must be owner/name using GitHub's characters" })
        .optional()
        .meta({
          description: 'GitHub target `owner/name`; without it the GitHub channel drops the finding.',
        }),
      fingerprint: singleLine(1, L.fingerprintMax).optional().meta({
        description: 'Dedupe key; when absent, a hash of source.agent, repo and the normalised title.',
      }),
      labels: z
        .array(singleLine(1, L.labelMax), { error: typeError('an array of strings') })
        .max(L.labelsMax, { error: `must have at most ${L.labelsMax} labels` })
        .optional(),
      url: z
        .string({ error: typeError('a string') })
        .max(L.urlMax, { error: lengthMessage(0, L.urlMax), abort: true })
        .regex(HTTPS_URL, { error: 'must be an https:// URL of plain ASCII URL characters', abort: true })
        .refine(isSafeHttpsUrl, { error: 'must be a valid https URL with a host and no credentials' })
        .optional()
        .meta({ format: 'uri', description: 'A link for details; `https://` only, no credentials.' }),
      occurredAt: z.iso
        .datetime({ offset: true, error: typeError('an RFC 3339 timestamp with Z or an offset') })
        .regex(YEAR_1970_TO_9999, { error: 'must have a year from 1970 to 9999' })
        .meta({ format: 'date-time', description: 'RFC 3339, e.g. 2026-11-03T10:00:00Z or …+02:00.' }),
      metadata: metadataSchema.optional(),
    },
    { error: typeError('an object') },
  )
  .meta({
    title: 'finding-relay finding event (schema version 1)',
    description:
      'A finding published by an agent to the findings topic as UTF-8 JSON of at most 256 KiB. ' +
      'Unknown fields are rejected.',
  });

/** Parses a finding and fills `fingerprint` with the default when the publisher sent none. */
export const findingSchema = findingInputSchema.transform((input) => ({
  ...input,
  fingerprint: input.fingerprint ?? defaultFingerprint(input.source.agent, input.repo, input.title),
}));

/** What a publisher sends. */
export type FindingInput = z.input<typeof findingInputSchema>;
/** A validated finding: title trimmed, `fingerprint` always present. */
export type Finding = z.output<typeof findingSchema>;
