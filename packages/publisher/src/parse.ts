import { formatIssues, oneLine } from './format-issues.js';
import { type Finding, findingSchema, MAX_MESSAGE_BYTES } from './schema.js';

export { DETAIL_MAX_CHARS, formatIssues } from './format-issues.js';

/** Why a message is not a finding; the dead-letter `finding_relay_reason`. */
export type FindingRejectReason = 'too-large' | 'invalid-json' | 'invalid-schema';

export type FindingParseResult =
  | { readonly ok: true; readonly finding: Finding }
  | { readonly ok: false; readonly reason: FindingRejectReason; readonly detail: string };

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

const reject = (reason: FindingRejectReason, detail: string): FindingParseResult => ({
  ok: false,
  reason,
  detail,
});

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** An error's message on one bounded line; never throws, even for a hostile thrown value. */
function errorText(error: unknown): string {
  try {
    return oneLine(error instanceof Error ? error.message : String(error), 150);
  } catch {
    return 'unknown error';
  }
}

/** V8's JSON messages quote a snippet of the input; keep only the part that says what and where. */
function describeJsonError(error: unknown): string {
  return `not valid JSON: ${errorText(error).replace(/,\s*(?:\.\.\.)?".*$/s, '')}`;
}

/** An unpaired UTF-16 surrogate: JSON can spell one (`"\ud800"`), UTF-8 cannot. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The top-level field whose text (a value, an item or a key) holds a lone surrogate, or undefined.
 * Such text becomes U+FFFD wherever it is encoded, so a fingerprint would no longer match its own
 * issue marker, and services may refuse the JSON. Only for a validated finding (depth ≤ 2).
 */
function fieldWithLoneSurrogate(finding: Finding): string | undefined {
  for (const [field, value] of Object.entries(finding)) {
    const texts =
      typeof value === 'string'
        ? [value]
        : typeof value === 'object' && value !== null
          ? Object.entries(value).flat()
          : [];
    if (texts.some((text) => typeof text === 'string' && LONE_SURROGATE.test(text))) return field;
  }
  return undefined;
}

/**
 * Validates an already-decoded value (the `publish` command, library users). Never throws: a
 * throwing getter or proxy is reported as `invalid-schema` too.
 */
export function validateFinding(value: unknown): FindingParseResult {
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return reject(
        'invalid-schema',
        `expected a JSON object at the top level, got ${describeJsonType(value)}`,
      );
    }
    const parsed = findingSchema.safeParse(value);
    if (parsed.success) {
      const field = fieldWithLoneSurrogate(parsed.data);
      if (field === undefined) return { ok: true, finding: parsed.data };
      return reject(
        'invalid-schema',
        `${field}: contains an unpaired UTF-16 surrogate (a lone \\uD800–\\uDFFF escape)`,
      );
    }
    return reject('invalid-schema', formatIssues(parsed.error.issues));
  } catch (error) {
    return reject('invalid-schema', `could not be validated: ${errorText(error)}`);
  }
}

/**
 * Turns a Pub/Sub message's `data` into a finding. Never throws, for any input. Order: size
 * (before decoding anything), byte-order mark, strict UTF-8, JSON, then the schema.
 */
export function parseFindingBytes(data: Buffer | Uint8Array): FindingParseResult {
  try {
    const size = data.byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      return reject(
        'too-large',
        `message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES} bytes (256 KiB)`,
      );
    }
    // JSON text must not start with a BOM (RFC 8259 §8.1); refusing it says so plainly instead of
    // failing later with an "unexpected token" about an invisible character.
    if (size >= 3 && UTF8_BOM.every((byte, index) => data[index] === byte)) {
      return reject('invalid-json', 'starts with a UTF-8 byte-order mark; send JSON without a BOM');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
    } catch {
      return reject('invalid-json', 'not valid UTF-8');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return reject('invalid-json', describeJsonError(error));
    }
    return validateFinding(value);
  } catch (error) {
    return reject('invalid-json', `could not be read: ${errorText(error)}`);
  }
}
