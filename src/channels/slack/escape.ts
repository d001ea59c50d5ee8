/**
 * Text from a finding is untrusted: it must never turn into Slack markup. Slack's only control
 * syntax in message text is `<…>` (mentions, `<!channel>`, links) and the HTML entities that spell
 * those brackets, so escaping `&`, `<` and `>` makes any string inert
 * (https://api.slack.com/reference/surfaces/formatting#escaping).
 */

import { stripInvisible } from '../visible-text.js';

// Bare broadcast words: inert in webhook text today, but a `link_names` payload or a client that
// re-parses text would ping everyone. A word joiner after `@` keeps them readable and inert.
const BROADCAST_WORDS = /@(channel|here|everyone)\b/gi;
const WORD_JOINER = '\u2060';

/**
 * Escapes `&`, `<`, `>`, strips control, bidi and other invisible characters (as the GitHub
 * channel does), and neutralises `@channel`-like words.
 */
export function escapeSlackText(s: string): string {
  return stripInvisible(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(BROADCAST_WORDS, `@${WORD_JOINER}$1`);
}

/** Longest URL this relay will turn into a link; longer ones are shown without a link. */
export const MAX_LINK_URL_LENGTH = 2_500;

/**
 * A URL fit for the inside of `<url|label>`: https only, no credentials (a `user@host` URL can
 * disguise its real host), no `|` (it would end the URL part), `&<>` escaped. undefined when unfit.
 */
export function slackLinkUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '') return undefined;
  const href = url.href
    .replace(/\|/g, '%7C')
    .replace(/&/g, '&amp;')
    .replace(/</g, '%3C')
    .replace(/>/g, '%3E');
  if (href.length > MAX_LINK_URL_LENGTH || /\s/.test(href)) return undefined;
  return href;
}

/**
 * `<url|host>` for an https URL, or undefined when the URL is unfit. The label is always the
 * link's own host (punycode for an IDN, so no look-alike letters), never text a finding chose: a
 * finding's title that reads like a trusted address can then never label a link to elsewhere.
 */
export function slackHostLink(rawUrl: string | undefined): string | undefined {
  const href = rawUrl === undefined ? undefined : slackLinkUrl(rawUrl);
  if (href === undefined) return undefined;
  return `<${href}|${escapeSlackText(new URL(rawUrl!).host)}>`;
}

export const TRUNCATION_MARK = '…(truncated)';

/**
 * Shortens already-escaped text to at most `max` UTF-16 units (Slack counts characters, so this is
 * conservative), never cutting an entity like `&amp;` or a surrogate pair in half.
 */
export function truncateEscaped(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= TRUNCATION_MARK.length) return TRUNCATION_MARK.slice(0, Math.max(0, max));
  let cut = s.slice(0, max - TRUNCATION_MARK.length);
  cut = cut.replace(/&[a-z#0-9]*$/i, '');
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + TRUNCATION_MARK;
}
