import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgePayload } from '../../../test/support/slack-stand-in.js';
import { SEVERITIES, type Severity } from '../../config/types.js';
import { type Block, type DigestFinding, formatCount, renderDigest, SLACK_LIMITS } from './digest.js';

const finding = (over: Partial<DigestFinding> = {}): DigestFinding => ({
  severity: 'medium',
  title: 'A finding',
  occurredAt: '2026-11-26T10:00:00Z',
  agent: 'scanner',
  repo: 'acme/app',
  url: 'https://example.com/f/1',
  ...over,
});

const sections = (blocks: Block[]) => blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));
const header = (blocks: Block[]) => (blocks[0]?.type === 'header' ? blocks[0].text.text : '');
const context = (blocks: Block[]) =>
  blocks.flatMap((b) => (b.type === 'context' ? b.elements.map((e) => e.text) : []));
const allTexts = (m: { text: string; blocks: Block[] }) => [
  m.text,
  header(m.blocks),
  ...sections(m.blocks),
  ...context(m.blocks),
];

function checkLimits(m: { text: string; blocks: Block[] }, label: string): void {
  expect(m.text.startsWith(`[${label}] `)).toBe(true);
  expect(header(m.blocks).startsWith(`[${label}] `)).toBe(true);
  expect(m.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(header(m.blocks).length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
  for (const s of sections(m.blocks)) expect(s.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  expect(m.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  const blockText = allTexts(m).slice(1).join('').length;
  expect(blockText).toBeLessThanOrEqual(SLACK_LIMITS.blockTextBudget + 1_100);
  expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThan(64 * 1024);
  expect(judgePayload(m)).toMatchObject({ status: 200, body: 'ok' });
}

describe('renderDigest', () => {
  it('shows label, counts, and one linked section per finding', () => {
    const m = renderDigest(
      [
        finding({ severity: 'high', title: 'SQL injection', url: 'https://example.com/a' }),
        finding({ severity: 'low', title: 'Old dependency', repo: undefined, url: undefined }),
      ],
      { label: 'STAGING', max: 20 },
    );
    expect(m.text).toBe('[STAGING] 2 findings: 1 high, 1 low — top: SQL injection');
    expect(header(m.blocks)).toBe('[STAGING] 2 findings: 1 high, 1 low');
    expect(sections(m.blocks)).toEqual([
      ':red_circle: *HIGH* SQL injection · <https://example.com/a|example.com>\nrepo: acme/app · agent: scanner',
      ':large_yellow_circle: *LOW* Old dependency\nagent: scanner',
    ]);
    expect(context(m.blocks)).toEqual([]);
    checkLimits(m, 'STAGING');
  });

  it('orders most severe first, ties oldest first, then arrival', () => {
    const m = renderDigest(
      [
        finding({ severity: 'low', title: 'low-1' }),
        finding({ severity: 'critical', title: 'crit-new', occurredAt: '2026-11-26T12:00:00Z' }),
        finding({ severity: 'info', title: 'info-1' }),
        finding({ severity: 'critical', title: 'crit-old', occurredAt: '2026-11-26T08:00:00Z' }),
        finding({ severity: 'high', title: 'high-a' }),
        finding({ severity: 'high', title: 'high-b' }),
      ],
      { label: 'DEV', max: 20 },
    );
    const titles = sections(m.blocks).map((s) => /\*[A-Z]+\* (\S+)/.exec(s)?.[1]);
    expect(titles).toEqual(['crit-old', 'crit-new', 'high-a', 'high-b', 'low-1', 'info-1']);
  });

  it('lists at most max and counts the rest by severity', () => {
    const items = [
      ...Array.from({ length: 3 }, () => finding({ severity: 'critical' })),
      ...Array.from({ length: 3_000 }, () => finding({ severity: 'high' })),
      ...Array.from({ length: 1_997 }, () => finding({ severity: 'medium' })),
    ];
    const m = renderDigest(items, { label: 'PROD', max: 50 });
    expect(header(m.blocks)).toBe('[PROD] 5,000 findings: 3 critical, 3,000 high, 1,997 medium');
    // 50 asked, but header + sections + context must stay within 50 blocks.
    expect(sections(m.blocks)).toHaveLength(SLACK_LIMITS.listedFindings);
    expect(context(m.blocks)).toEqual(['…and 4,955 more: 2,958 high, 1,997 medium']);
    checkLimits(m, 'PROD');
  });

  it('a 5,000-finding flood with max 20 is one message listing 20', () => {
    const severities: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
    const items = Array.from({ length: 5_000 }, (_, i) =>
      finding({
        severity: severities[i % 5]!,
        title: `t${i} ${'x'.repeat(240)}`,
        url: `https://example.com/${'p'.repeat(1_900)}`,
      }),
    );
    const m = renderDigest(items, { label: 'PROD', max: 20 });
    expect(sections(m.blocks)).toHaveLength(20);
    expect(sections(m.blocks).every((s) => s.includes('*CRITICAL*'))).toBe(true);
    expect(context(m.blocks)[0]).toBe(
      '…and 4,980 more: 980 critical, 1,000 high, 1,000 medium, 1,000 low, 1,000 info',
    );
    checkLimits(m, 'PROD');
  });

  it('truncates an over-long section with a mark and keeps the link whole', () => {
    const m = renderDigest([finding({ title: '&'.repeat(256), agent: '<'.repeat(100) })], {
      label: 'DEV',
      max: 45,
    });
    checkLimits(m, 'DEV');
    const m2 = renderDigest(
      Array.from({ length: 45 }, () => finding({ title: '&'.repeat(256), url: 'https://example.com/x' })),
      { label: 'DEV', max: 45 },
    );
    checkLimits(m2, 'DEV');
    const s = sections(m2.blocks)[0]!;
    expect(s).toContain('…(truncated)');
    expect(s).toMatch(/^\S+ \*MEDIUM\* (&amp;)+…\(truncated\) · <https:\/\/example\.com\/x\|example\.com>\n/);
  });

  it('escapes every injection form in title, agent and repo', () => {
    const attacks = [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U0123>',
      '<#C123>',
      '<!subteam^S1>',
      '<https://evil.example|click>',
    ];
    const m = renderDigest(
      attacks.map((a) => finding({ title: `${a} @channel`, agent: a, url: 'https://example.com/ok' })),
      { label: 'DEV', max: 20 },
    );
    const payload = JSON.stringify(m);
    expect(payload).not.toMatch(/<[!@#]/);
    expect(payload).not.toContain('<https://evil');
    expect(payload).not.toMatch(/@(channel|here|everyone)\b/);
    for (const s of sections(m.blocks)) expect(s.match(/[<>]/g)).toEqual(['<', '>']);
  });

  it("never lets a finding choose a link label: the label is the link's own host", () => {
    const lures = [
      'https://github.com/acme/app/security/advisories',
      'Sign in at github.com to review',
      'accounts.google.com',
      'https://github.com@evil.example',
    ];
    const m = renderDigest(
      lures.map((title) => finding({ title, url: 'https://evil.example/phish?x=1' })),
      { label: 'DEV', max: 20 },
    );
    for (const [i, s] of sections(m.blocks).entries()) {
      const links = [...s.matchAll(/<([^|<>]+)\|([^<>]*)>/g)];
      expect(links, s).toHaveLength(1);
      expect(links[0]![2], s).toBe('evil.example');
      // The title stays plain text, outside the link.
      expect(s.replace(links[0]![0], ''), s).toContain(lures[i]!.split(' ')[0]);
    }
  });

  it('labels every link with its own host only (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 256 }),
        fc.webUrl({ withQueryParameters: true }),
        (title, url) => {
          const m = renderDigest([finding({ title, url })], { label: 'QA', max: 20 });
          for (const s of sections(m.blocks)) {
            for (const [, href, label] of s.matchAll(/<([^|<>]+)\|([^<>]*)>/g)) {
              expect(label).toBe(new URL(href!.replace(/&amp;/g, '&')).host);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('drops a link whose URL is not plain https', () => {
    const m = renderDigest(
      [finding({ url: 'javascript:alert(1)' }), finding({ url: 'https://a@b.example/' })],
      {
        label: 'DEV',
        max: 20,
      },
    );
    expect(sections(m.blocks).join('')).not.toContain('<');
  });

  it('stays within limits and free of markup for any findings (property)', () => {
    const arbFinding = fc.record({
      severity: fc.constantFrom(...SEVERITIES),
      title: fc.string({ minLength: 1, maxLength: 256, unit: 'grapheme' }),
      occurredAt: fc.constantFrom('2026-11-26T10:00:00Z', '2025-01-01T00:00:00Z', 'not-a-date'),
      agent: fc.string({ minLength: 1, maxLength: 100 }),
      repo: fc.option(fc.string({ maxLength: 140 }), { nil: undefined }),
      url: fc.option(fc.oneof(fc.webUrl(), fc.string()), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arbFinding, { maxLength: 80 }), fc.integer({ min: 0, max: 100 }), (items, max) => {
        const m = renderDigest(items, { label: 'QA', max });
        if (items.length > 0) checkLimits(m, 'QA');
        for (const s of sections(m.blocks)) {
          const brackets = s.match(/[<>]/g) ?? [];
          expect(
            brackets.length === 0 || (brackets.join('') === '<>' && /<https:\/\/[^<>|]+\|/.test(s)),
          ).toBe(true);
        }
        expect(JSON.stringify(m.text) + header(m.blocks) + context(m.blocks).join('')).not.toMatch(/[<>]/);
      }),
      { numRuns: 150 },
    );
  });
});

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [4_950, '4,950'],
    [1_234_567, '1,234,567'],
  ])('%d → %s', (n, s) => expect(formatCount(n)).toBe(s));
});
