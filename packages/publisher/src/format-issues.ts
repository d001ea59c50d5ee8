import type { z } from 'zod';

/** A detail line (dead-letter attribute, CLI output) stays well under Pub/Sub's 1,024-byte value. */
export const DETAIL_MAX_CHARS = 300;
const SEGMENT_MAX_CHARS = 40;

/** Characters that would break a one-line detail or disguise text: shown as \u{…} escapes instead. */
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Cuts at `max` UTF-16 units without leaving half a surrogate pair, marking the cut with `…`. */
export function truncateText(value: string, max: number): string {
  if (value.length <= max) return value;
  let cut = value.slice(0, Math.max(0, max - 1));
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Makes any text safe for a one-line detail: escapes controls and bidi overrides, bounds it. */
export function oneLine(value: string, max: number): string {
  const escaped = value.replace(UNSAFE_IN_LINE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return truncateText(escaped, max);
}

/** A key taken from the input, quoted and shortened so a huge or hostile key cannot flood the line. */
function quoteKey(key: PropertyKey): string {
  const text = typeof key === 'symbol' ? key.toString() : String(key);
  return `"${oneLine(truncateText(text, SEGMENT_MAX_CHARS), SEGMENT_MAX_CHARS + 20).replace(/"/g, '\\"')}"`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) =>
      typeof segment === 'number' || (typeof segment === 'string' && PLAIN_SEGMENT.test(segment))
        ? String(segment)
        : quoteKey(segment),
    )
    .join('.');
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const where = path === '' ? '' : `${path}: `;
    return issue.keys.map((key) => `${where}unknown field ${quoteKey(key)}`);
  }
  if (issue.code === 'invalid_key') {
    // A record key failed: name the key once instead of as a path segment plus a nested issue.
    const key = issue.path[issue.path.length - 1] ?? '';
    const inner = issue.issues[0]?.message ?? 'is not allowed';
    return [`${formatPath(issue.path.slice(0, -1)) || '(root)'}: key ${quoteKey(key)} ${inner}`];
  }
  return [`${path === '' ? '(root)' : path}: ${issue.message}`];
}

/**
 * One human line naming each offending path, e.g.
 * `title: must be 1–256 characters after trimming; labels.3: must be 1–50 characters; unknown field "sevrity"`.
 * The first problem per path is kept; the line never exceeds `max` characters and never echoes values.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], max = DETAIL_MAX_CHARS): string {
  const seenPaths = new Set<string>();
  const parts: string[] = [];
  for (const issue of issues) {
    for (const part of describeIssue(issue)) {
      const pathKey = issue.code === 'unrecognized_keys' ? part : formatPath(issue.path);
      if (seenPaths.has(pathKey)) continue;
      seenPaths.add(pathKey);
      parts.push(oneLine(part, max));
    }
  }
  if (parts.length === 0) return 'does not match the finding schema';
  let line = '';
  for (const [index, part] of parts.entries()) {
    const rest = parts.length - index - 1;
    const suffix = rest > 0 ? `; … (+${rest} more)` : '';
    const candidate = line === '' ? part : `${line}; ${part}`;
    if (candidate.length + suffix.length <= max) {
      line = candidate;
      continue;
    }
    if (line === '') return `${truncateText(part, max - suffix.length)}${suffix}`;
    // `line` was accepted with room for exactly this suffix.
    return `${line}; … (+${rest + 1} more)`;
  }
  return line;
}
