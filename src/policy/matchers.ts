/**
 * Matchers in Prometheus Alertmanager's syntax, for silences (and routes later):
 * `KEY=VALUE`, `KEY!=VALUE`, `KEY=~REGEX`, `KEY!~REGEX`. Regexes are anchored as in Alertmanager
 * (`^(?:REGEX)$`), so `agent=~dep` matches only `dep`, not `dep-scanner`. A value may be written
 * in double quotes (a JSON string) when it is empty, starts with `~` or `"`, or has surrounding
 * spaces; `formatMatcher` quotes exactly then, so parse(format(m)) is m.
 *
 * `label` looks at every label of the finding: `label=X` / `label=~R` match when ANY label matches;
 * `label!=X` / `label!~R` are their negations (NO label is X / matches R). A finding without labels
 * (or without a repo) has the empty value there, as an absent label in Alertmanager.
 */
export const MATCHER_KEYS = ['agent', 'fingerprint', 'repo', 'severity', 'title', 'label'] as const;
export type MatcherKey = (typeof MATCHER_KEYS)[number];
export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

export interface Matcher {
  readonly key: MatcherKey;
  readonly op: MatcherOp;
  readonly value: string;
}

/** The parts of a finding a matcher can look at. */
export interface MatchableFinding {
  readonly agent: string;
  readonly fingerprint: string;
  readonly repo?: string | undefined;
  readonly severity: string;
  readonly title: string;
  readonly labels?: readonly string[] | undefined;
}

/** The longest regex accepted (operator input; a bound keeps a typo from becoming a huge pattern). */
export const MAX_MATCHER_LENGTH = 1024;

const SHAPE = /^\s*([A-Za-z_]+)\s*(=~|!~|!=|=)(.*)$/s;
const SYNTAX = 'expected KEY=VALUE, KEY!=VALUE, KEY=~REGEX or KEY!~REGEX';

export type MatcherParse = { ok: true; matcher: Matcher } | { ok: false; error: string };

/** Parses one matcher; an error names the matcher as written and says what is wrong. */
export function parseMatcher(text: string): MatcherParse {
  const fail = (why: string): MatcherParse => ({
    ok: false,
    error: `matcher ${JSON.stringify(text)}: ${why}`,
  });
  if (text.length > MAX_MATCHER_LENGTH) return fail(`longer than ${MAX_MATCHER_LENGTH} characters`);
  const shape = SHAPE.exec(text);
  if (!shape) return fail(SYNTAX);
  const key = shape[1]!.toLowerCase();
  const op = shape[2] as MatcherOp;
  if (!(MATCHER_KEYS as readonly string[]).includes(key)) {
    return fail(`unknown key "${shape[1]}"; keys: ${MATCHER_KEYS.join(', ')}`);
  }
  const value = readValue(shape[3]!);
  if (value === undefined) return fail('a quoted value must be one JSON string, e.g. title="~ approx"');
  if (op === '=~' || op === '!~') {
    const problem = regexProblem(value);
    if (problem) return fail(`invalid regular expression: ${problem}`);
  }
  return { ok: true, matcher: { key: key as MatcherKey, op, value } };
}

/** Parses every matcher; `problems` has one line per bad matcher (empty when all are good). */
export function parseMatchers(texts: readonly string[]): { matchers: Matcher[]; problems: string[] } {
  const matchers: Matcher[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    const parsed = parseMatcher(text);
    if (parsed.ok) matchers.push(parsed.matcher);
    else problems.push(parsed.error);
  }
  return { matchers, problems };
}

function readValue(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('"')) return trimmed;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function needsQuotes(value: string): boolean {
  return value === '' || /^["~]/.test(value) || value !== value.trim();
}

/** The matcher as an operator writes it (parseMatcher(formatMatcher(m)) gives m back). */
export function formatMatcher(m: Matcher): string {
  return `${m.key}${m.op}${needsQuotes(m.value) ? JSON.stringify(m.value) : m.value}`;
}

function regexProblem(source: string): string | undefined {
  try {
    anchored(source);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Alertmanager's anchoring: the whole value must match. */
export function anchored(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

function valuesOf(finding: MatchableFinding, key: MatcherKey): readonly string[] {
  switch (key) {
    case 'label':
      return finding.labels && finding.labels.length > 0 ? finding.labels : [''];
    case 'repo':
      return [finding.repo ?? ''];
    default:
      return [finding[key]];
  }
}

/** A matcher compiled once (its regex built), then tested against many findings. */
export function compileMatcher(m: Matcher): (finding: MatchableFinding) => boolean {
  const positive =
    m.op === '=~' || m.op === '!~'
      ? (
          (re: RegExp) => (v: string) =>
            re.test(v)
        )(anchored(m.value))
      : (v: string) => v === m.value;
  const negated = m.op === '!=' || m.op === '!~';
  return (finding) => valuesOf(finding, m.key).some(positive) !== negated;
}

/** All matchers must match (an empty list matches everything). */
export function compileMatchers(matchers: readonly Matcher[]): (finding: MatchableFinding) => boolean {
  const tests = matchers.map(compileMatcher);
  return (finding) => tests.every((test) => test(finding));
}

/** The matchable view of a validated finding. */
export function matchableFinding(finding: {
  source: { agent: string };
  fingerprint: string;
  repo?: string | undefined;
  severity: string;
  title: string;
  labels?: readonly string[] | undefined;
}): MatchableFinding {
  return {
    agent: finding.source.agent,
    fingerprint: finding.fingerprint,
    repo: finding.repo,
    severity: finding.severity,
    title: finding.title,
    labels: finding.labels,
  };
}
