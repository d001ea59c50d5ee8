/**
 * The hidden marker that ties an issue to its fingerprint: `<!-- finding-relay:fingerprint=FP -->`
 * on the first line of the body. It is how the relay finds its issue again when the index is lost.
 */

const PREFIX = '<!-- finding-relay:fingerprint=';
const SUFFIX = ' -->';
/** Kept as is; everything else is %XX-escaped (UTF-8), so no `-`, `<`, `>` or space can close the comment. */
const SAFE = /^[A-Za-z0-9._:~+=/]$/;

/** Reversible, comment-safe spelling of a fingerprint. */
export function escapeFingerprint(fingerprint: string): string {
  let out = '';
  for (const char of fingerprint) {
    if (SAFE.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function markerFor(fingerprint: string): string {
  return `${PREFIX}${escapeFingerprint(fingerprint)}${SUFFIX}`;
}

/**
 * The fingerprint of a relay issue body, or undefined. Only the first line counts: the relay puts
 * the marker there, and text taken from a finding never is, so a finding cannot forge one.
 */
export function findMarker(body: string | null | undefined): string | undefined {
  if (!body?.startsWith(PREFIX)) return undefined;
  const end = body.indexOf(SUFFIX, PREFIX.length);
  const newline = body.indexOf('\n');
  if (end < 0 || (newline >= 0 && newline < end)) return undefined;
  const escaped = body.slice(PREFIX.length, end);
  if (!/^(?:[A-Za-z0-9._:~+=/]|%[0-9A-F]{2})+$/.test(escaped)) return undefined;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}
