/**
 * How many leading characters of an opaque secret (a token, a webhook's key segment) identify it.
 * Text that starts like one is redacted as far as it keeps matching, so a secret cut short
 * (`ghp_abc…` in a truncated error detail) is caught too. A URL's head is public
 * (`https://hooks.slack.com/…`), so whole URLs and paths are matched exactly instead.
 */
const HEAD_CHARS = 12;

interface SecretForm {
  readonly value: string;
  /** Match a run of at least HEAD_CHARS of its beginning, not only the whole value. */
  readonly byHead: boolean;
}

/** Replaces each occurrence of the secret (or, byHead, of a run of at least its head) with [REDACTED]. */
function redactOne(text: string, { value: secret, byHead }: SecretForm): string {
  const headLength = byHead ? Math.min(secret.length, HEAD_CHARS) : secret.length;
  const head = secret.slice(0, headLength);
  let out = '';
  let from = 0;
  for (let at = text.indexOf(head); at !== -1; at = text.indexOf(head, from)) {
    let end = at + headLength;
    while (end < text.length && end - at < secret.length && text[end] === secret[end - at]) end++;
    out += `${text.slice(from, at)}[REDACTED]`;
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** The values that give a secret away: itself and, for a URL, its path and long path segments. */
function secretForms(secret: string): SecretForm[] {
  let url: URL;
  try {
    url = new URL(secret);
  } catch {
    return [{ value: secret, byHead: true }];
  }
  // Webhook URLs also leak by path alone (an error may print only the path or its last part).
  const forms: SecretForm[] = [{ value: secret, byHead: false }];
  if (url.pathname.length > 8) forms.push({ value: url.pathname, byHead: false });
  for (const segment of url.pathname.split('/')) {
    if (segment.length >= 8 && segment !== 'services') forms.push({ value: segment, byHead: true });
  }
  if (url.search.length > 8) forms.push({ value: url.search, byHead: false });
  return forms;
}

/**
 * Replaces every occurrence of a known secret value in text. Applied at the sources that may
 * carry one (log lines, error causes, dead-letter details), like Alertmanager's RedactURL.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .flatMap(secretForms);
  if (values.length === 0) return (text) => text;
  const unique = new Map(values.map((f) => [`${f.byHead}:${f.value}`, f]));
  const sorted = [...unique.values()].sort((a, b) => b.value.length - a.value.length);
  return (text) => {
    let out = text;
    for (const secret of sorted) out = redactOne(out, secret);
    return out;
  };
}
