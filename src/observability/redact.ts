/**
 * Replaces every occurrence of a known secret value in text. Applied at the sources that may
 * carry one (log lines, error causes, dead-letter details), like Alertmanager's RedactURL.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  // Webhook URLs also leak by path alone (an error may print only the path), so redact that too.
  for (const s of [...values]) {
    try {
      const url = new URL(s);
      if (url.pathname.length > 8) values.push(url.pathname);
    } catch {}
  }
  if (values.length === 0) return (text) => text;
  const sorted = [...new Set(values)].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of sorted) {
      if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    }
    return out;
  };
}
