import { describe, expect, it } from 'vitest';
import { defaultFingerprint } from '../src/fingerprint.js';
import { validateFinding } from '../src/parse.js';
import { SEVERITIES } from '../src/severity.js';

const BASE = {
  schemaVersion: 1,
  id: 'dep-scanner:run-1:0001',
  source: { agent: 'dep-scanner' },
  severity: 'high',
  title: 'CVE-2026-1234 in lodash',
  occurredAt: '2026-11-03T10:00:00Z',
} as const;

/** BASE with fields replaced; `undefined` removes a field. */
function finding(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const value: Record<string, unknown> = { ...BASE, ...overrides };
  for (const [key, field] of Object.entries(value)) if (field === undefined) delete value[key];
  return value;
}

const x = (n: number, c = 'a') => c.repeat(n);
const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

type Case = [label: string, overrides: Record<string, unknown>, expected: true | string];

/** Each rule: at the limit accepted, over it rejected with a detail naming the path. */
const CASES: Case[] = [
  ['the minimal finding', {}, true],
  ['schemaVersion 2', { schemaVersion: 2 }, 'schemaVersion: must be the number 1'],
  ['schemaVersion "1"', { schemaVersion: '1' }, 'schemaVersion: must be the number 1'],
  ['schemaVersion missing', { schemaVersion: undefined }, 'schemaVersion: is required'],
  ['id of 128', { id: x(128) }, true],
  ['id of 129', { id: x(129) }, 'id: must be 1–128 characters'],
  ['id empty', { id: '' }, 'id: must be 1–128 characters'],
  ['id with every allowed kind', { id: 'Az09._:-' }, true],
  ['id with a space', { id: 'a b' }, 'id: must contain only'],
  ['id with a slash', { id: 'a/b' }, 'id: must contain only'],
  ['id missing', { id: undefined }, 'id: is required'],
  ['agent of 100', { source: { agent: x(100) } }, true],
  ['agent of 101', { source: { agent: x(101) } }, 'source.agent: must be 1–100 characters'],
  ['agent empty', { source: { agent: '' } }, 'source.agent: must be 1–100 characters'],
  ['agent with NUL', { source: { agent: 'a\u0000b' } }, 'source.agent: must not contain control'],
  ['run of 200', { source: { agent: 'a', run: x(200) } }, true],
  ['run of 201', { source: { agent: 'a', run: x(201) } }, 'source.run: must be 1–200 characters'],
  ['unknown field in source', { source: { agent: 'a', runId: '1' } }, 'source: unknown field "runId"'],
  ['source a string', { source: 'dep-scanner' }, 'source: must be an object'],
  [
    'severity CRITICAL',
    { severity: 'CRITICAL' },
    'severity: must be one of info, low, medium, high, critical',
  ],
  ['severity warning', { severity: 'warning' }, 'severity: must be one of'],
  ['title of 256', { title: x(256) }, true],
  ['title of 257', { title: x(257) }, 'title: must be 1–256 characters after trimming'],
  ['title of 256 with padding', { title: `  ${x(256)}  ` }, true],
  ['title blank', { title: '   ' }, 'title: must be 1–256 characters after trimming'],
  ['title empty', { title: '' }, 'title: must be 1–256 characters after trimming'],
  ['title with a newline', { title: 'a\nb' }, 'title: must not contain control'],
  ['title with a leading newline', { title: '\ntitle' }, 'title: must not contain control'],
  ['title with a bidi override', { title: 'invoice\u202egpj.exe' }, 'title: must not contain control'],
  ['title with a C1 control', { title: 'a\u0085b' }, 'title: must not contain control'],
  ['title of 256 astral characters (code points count)', { title: x(256, '🔥') }, true],
  ['title of 257 astral characters', { title: x(257, '🔥') }, 'title: must be 1–256'],
  ['body of 20000', { body: x(20_000) }, true],
  ['body of 20001', { body: x(20_001) }, 'body: must be at most 20000 characters'],
  ['body with newlines, tabs and CR', { body: 'a\n\tb\r\nc <!channel> @org/team' }, true],
  ['body with NUL', { body: 'a\u0000b' }, 'body: must not contain control characters other than tab'],
  ['body with ESC', { body: 'a\u001b[31mred' }, 'body: must not contain control'],
  ['repo acme/payments-api', { repo: 'acme/payments-api' }, true],
  ['repo with every allowed kind', { repo: 'A-b-9/x.y_z-1' }, true],
  ['repo owner of 39', { repo: `${x(39)}/r` }, true],
  ['repo owner of 40', { repo: `${x(40)}/r` }, 'repo: must be owner/name'],
  ['repo name of 100', { repo: `o/${x(100)}` }, true],
  ['repo name of 101', { repo: `o/${x(101)}` }, 'repo: must be owner/name'],
  ['repo name ...', { repo: 'o/...' }, true],
  ...['-acme/x', 'acme-/x', 'ac--me/x', 'acme_co/x', 'acme/.', 'acme/..', 'acme', 'acme/', '/x', 'acme/x/y']
    .concat(['acme%2Fx', 'acme/x%2Fy', '\u0430cme/x', 'acme/\uff57eb', 'acme /x', 'acme/x ', 'acme/x\n'])
    .map((repo): Case => [`repo ${JSON.stringify(repo)}`, { repo }, 'repo: must be owner/name']),
  ['fingerprint of 200', { fingerprint: x(200) }, true],
  ['fingerprint of 201', { fingerprint: x(201) }, 'fingerprint: must be 1–200 characters'],
  ['fingerprint empty', { fingerprint: '' }, 'fingerprint: must be 1–200 characters'],
  ['fingerprint with a tab', { fingerprint: 'a\tb' }, 'fingerprint: must not contain control'],
  ['10 labels', { labels: Array.from({ length: 10 }, (_, i) => `l${i}`) }, true],
  ['11 labels', { labels: Array.from({ length: 11 }, (_, i) => `l${i}`) }, 'labels: must have at most 10'],
  ['label of 50', { labels: ['a', x(50)] }, true],
  ['label of 51', { labels: ['a', 'b', 'c', x(51)] }, 'labels.3: must be 1–50 characters'],
  ['label empty', { labels: [''] }, 'labels.0: must be 1–50 characters'],
  ['label with a newline', { labels: ['a\nb'] }, 'labels.0: must not contain control'],
  ['labels a string', { labels: 'security' }, 'labels: must be an array of strings'],
  ['url https', { url: 'https://example.com/a/b?c=d&e=%41#f' }, true],
  ['url IPv6 with port', { url: 'https://[::1]:8443/x' }, true],
  ['url punycode host', { url: 'https://xn--exmple-cua.com/' }, true],
  ['url of 2048', { url: `https://example.com/${x(2048 - 20)}` }, true],
  ['url of 2049', { url: `https://example.com/${x(2049 - 20)}` }, 'url: must be at most 2048 characters'],
  ...[
    'http://example.com/',
    'HTTPS://example.com/',
    'javascript:alert(1)',
    'https:',
    'https://',
    'https://exa mple.com/',
    'https://example.com/\n',
    'https://example.com/<script>',
    'https://example.com/a|b',
    'https://evil.example|click',
    'https://ex\u00e4mple.com/',
    'https://example.com/%zz',
    'https://example.com\\@evil.example/',
  ].map((url): Case => [`url ${JSON.stringify(url)}`, { url }, 'url: must be an https:// URL']),
  ...[
    'https://user:pw@example.com/',
    'https://user@example.com/',
    'https://@example.com/',
    'https:///example.com',
  ]
    .concat(['https://example.com:99999/', 'https://?x'])
    .map(
      (url): Case => [`url ${JSON.stringify(url)}`, { url }, 'url: must be a valid https URL with a host'],
    ),
  ['occurredAt with Z', { occurredAt: '2026-11-03T10:00:00Z' }, true],
  ['occurredAt with offset and fraction', { occurredAt: '2026-11-03T10:00:00.123456+05:30' }, true],
  ['occurredAt 1970', { occurredAt: '1970-01-01T00:00:00Z' }, true],
  ['occurredAt 9999', { occurredAt: '9999-12-31T23:59:59-12:00' }, true],
  ['occurredAt on a leap day', { occurredAt: '2028-02-29T00:00:00Z' }, true],
  [
    'occurredAt 1969',
    { occurredAt: '1969-12-31T23:59:59Z' },
    'occurredAt: must have a year from 1970 to 9999',
  ],
  ...[
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-11-31T00:00:00Z',
    '2026-11-03T24:00:00Z',
    '2026-11-03T10:00:00',
    '2026-11-03',
    '2026-11-03 10:00:00Z',
    '2026-11-03T10:00Z',
    '2026-11-03T10:00:00+2:00',
    '2026-11-03T10:00:00+24:00',
    'yesterday',
  ].map(
    (occurredAt): Case => [`occurredAt ${occurredAt}`, { occurredAt }, 'occurredAt: must be an RFC 3339'],
  ),
  ['occurredAt a number', { occurredAt: 1_700_000_000 }, 'occurredAt: must be an RFC 3339'],
  ['occurredAt missing', { occurredAt: undefined }, 'occurredAt: is required'],
  ['metadata of 20', { metadata: pairs(20) }, true],
  ['metadata of 21', { metadata: pairs(21) }, 'metadata: must have at most 20 entries'],
  ['metadata key of 100', { metadata: { [x(100)]: 'v' } }, true],
  ['metadata key of 101', { metadata: { [x(101)]: 'v' } }, 'metadata: key "aaaa'],
  ['metadata key empty', { metadata: { '': 'v' } }, 'metadata: key "" must be 1–100 characters'],
  ['metadata value of 1000', { metadata: { k: x(1000) } }, true],
  ['metadata value of 1001', { metadata: { k: x(1001) } }, 'metadata.k: must be at most 1000 characters'],
  ['metadata value multi-line', { metadata: { k: 'a\nb' } }, true],
  ['metadata value a number', { metadata: { cvss: 9.8 } }, 'metadata.cvss: must be a string'],
  ['metadata an array', { metadata: ['a'] }, 'metadata: must be an object of string values'],
  [
    'metadata key constructor',
    { metadata: { constructor: 'v' } },
    'metadata: key "constructor" is a reserved key',
  ],
  ['metadata key prototype', { metadata: { prototype: 'v' } }, 'metadata: key "prototype" is a reserved key'],
  ['a misspelt field', { sevrity: 'high' }, 'unknown field "sevrity"'],
  ['a null optional field', { body: null }, 'body: must be a string'],
];

describe('findingInputSchema rules', () => {
  it.each(CASES)('%s', (_label, overrides, expected) => {
    const result = validateFinding(finding(overrides));
    if (expected === true) {
      expect(result).toMatchObject({ ok: true });
    } else {
      expect(result).toMatchObject({ ok: false, reason: 'invalid-schema' });
      expect(result.ok ? '' : result.detail).toContain(expected);
    }
  });

  it.each(SEVERITIES)('accepts severity %s', (severity) => {
    expect(validateFinding(finding({ severity })).ok).toBe(true);
  });
});

describe('the parsed finding', () => {
  it('has a trimmed title and the default fingerprint when none was sent', () => {
    const result = validateFinding(finding({ title: '  Foo  ', repo: 'Acme/Web' }));
    expect(result.ok && result.finding.title).toBe('Foo');
    expect(result.ok && result.finding.fingerprint).toBe(
      defaultFingerprint('dep-scanner', 'acme/web', 'foo'),
    );
  });

  it('keeps an explicit fingerprint and every other field as sent', () => {
    const input = finding({
      fingerprint: 'fp-1',
      body: 'b',
      repo: 'acme/web',
      labels: ['x'],
      url: 'https://example.com/',
      metadata: { k: 'v' },
      source: { agent: 'a', run: 'r' },
    });
    const result = validateFinding(input);
    expect(result).toEqual({ ok: true, finding: input });
  });

  it('does not change the value it was given', () => {
    const input = finding({ title: '  padded  ' });
    validateFinding(input);
    expect(input.title).toBe('  padded  ');
  });
});
