import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../finding/schema.js';
import { testFinding } from '../finding/test-findings.js';
import { renderIssue, renderRecurrenceComment } from './github/render.js';
import { renderDigest } from './slack/digest.js';
import { escapeSlackText } from './slack/escape.js';

/**
 * Bidi controls and invisible format characters are treated alike in both channels: stripped from
 * everything taken from a finding (the zero-width joiners of emoji and scripts kept).
 */
const HIDDEN = [
  '\u202E', // right-to-left override
  '\u202A',
  '\u2066', // left-to-right isolate
  '\u2069',
  '\u200E', // left-to-right mark
  '\u200F',
  '\u061C', // Arabic letter mark
  '\u200B', // zero-width space
  '\u2060', // word joiner
  '\uFEFF',
  '\u{E0041}', // tag letter A (invisible "ASCII smuggling")
  '\u{E007F}',
  '\u0007',
  '\u009B',
];
const UNSAFE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/u;

const base = testFinding({ repo: 'acme/widgets' });

/** What the relay shows of a finding, in both channels, minus its own zero-width spaces. */
function shown(finding: Finding): string[] {
  const issue = renderIssue(finding, { label: 'DEV' });
  const digest = renderDigest(
    [
      {
        severity: finding.severity,
        title: finding.title,
        occurredAt: finding.occurredAt,
        agent: finding.source.agent,
      },
    ],
    { label: 'DEV', max: 20 },
  );
  return [
    issue.title,
    issue.body,
    renderRecurrenceComment(2, 'since', finding),
    JSON.stringify(digest).replace(/\u2060/g, ''),
  ];
}

describe('bidi and invisible characters, in both channels', () => {
  it.each(HIDDEN.map((c) => [c.codePointAt(0)!.toString(16), c]))('strips U+%s', (_, c) => {
    const text = `pay${c}load`;
    const finding = { ...base, source: { agent: text }, title: text, body: text, metadata: { [text]: text } };
    for (const out of shown(finding)) {
      expect(out).toContain('payload');
      expect(out).not.toMatch(UNSAFE);
    }
    expect(escapeSlackText(text)).toBe('payload');
  });

  it('keeps the zero-width joiners of emoji and scripts', () => {
    const family = '👩\u200D👩\u200D👧 می\u200Cخواهم';
    expect(escapeSlackText(family)).toBe(family);
    expect(renderIssue({ ...base, body: family }, { label: undefined }).body).toContain(family);
  });

  it('leaves nothing unsafe for any text (property)', () => {
    const text = fc.string({ unit: fc.constantFrom(...HIDDEN, 'a', ' ', '@', '#1', '\n', '👩\u200D👧') });
    fc.assert(
      fc.property(text, (t) => {
        const finding = { ...base, title: `x${t.replace(/\n/g, ' ')}`, body: t, metadata: { k: t } };
        for (const out of shown(finding)) expect(out).not.toMatch(UNSAFE);
      }),
      { numRuns: 300 },
    );
  });
});

describe('remote images in a body', () => {
  it.each([
    '![pixel](https://tracker.example/p.png)',
    '![pixel][ref]\n\n[ref]: https://tracker.example/p.png',
    '<img src="https://tracker.example/p.png">',
    '<IMAGE src=https://tracker.example/p.png>',
    '<picture><source srcset="https://tracker.example/p.png"></picture>',
    '<video src="https://tracker.example/v.mp4"></video>',
  ])('are not loaded: %s', (body) => {
    const rendered = renderIssue({ ...base, body }, { label: undefined }).body;
    expect(rendered).not.toMatch(/!\[|<(?:img|image|picture|source|video|audio)\b/i);
    expect(rendered).toContain('tracker.example');
  });
});
