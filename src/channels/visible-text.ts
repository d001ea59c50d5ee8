/**
 * Characters a reader cannot see that change what they read: control characters (C0 and C1
 * other than tab and line ends) and format characters (Unicode category Cf): bidirectional
 * overrides, isolates and marks (the "Trojan Source" reordering), zero-width spaces and word
 * joiners, the byte-order mark, tag characters (invisible "ASCII smuggling"). The zero-width
 * non-joiner and joiner are kept: emoji sequences and several scripts need them.
 */
const INVISIBLE = /(?![\u200C\u200D])[\p{Cf}\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;

/**
 * Removes the characters above from text taken from a finding. Both channels apply it first, to
 * every piece of finding text they show (Slack escapes, GitHub neutralises after it, so the
 * zero-width spaces those add themselves stay).
 */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}
