import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openElementsBefore, visibleIssueText } from '../../../test/support/bad-input-corpus.js';
import type { Finding } from '../../finding/schema.js';
import { testFinding } from '../../finding/test-findings.js';
import { findMarker } from './marker.js';
import { GITHUB_BODY_MAX, neutralise, renderIssue, renderRecurrenceComment } from './render.js';

const base = testFinding({
  id: 'evt-1',
  source: { agent: 'dep-scanner', run: 'run-7' },
  severity: 'high',
  title: 'lodash prototype pollution',
  body: 'Upgrade lodash.',
  repo: 'acme/widgets',
  fingerprint: 'fr1:abc',
  labels: ['deps'],
  url: 'https://scanner.example/r/1',
  occurredAt: '2026-11-03T10:00:00Z',
  metadata: { package: 'lodash', version: '4.17.20' },
});
const finding = (over: Partial<Finding> = {}): Finding => ({ ...base, ...over });
const ZW = '\u200B';

describe('renderIssue', () => {
  it('renders title, labels and a body that starts with the marker and shows the context', () => {
    const issue = renderIssue(finding(), { label: 'STAGING' });
    expect(issue.title).toBe('[STAGING] lodash prototype pollution');
    expect(issue.labels).toEqual(['finding-relay', 'severity:high', 'deps']);
    expect(issue.body.split('\n')[0]).toBe('<!-- finding-relay:fingerprint=fr1:abc -->');
    expect(findMarker(issue.body)).toBe('fr1:abc');
    for (const text of ['| **Severity** | high |', '| **Agent** | dep-scanner |', '| **Run** | run-7 |']) {
      expect(issue.body).toContain(text);
    }
    expect(issue.body).toContain('| **Occurred at** | 2026-11-03T10:00:00Z |');
    expect(issue.body).toContain('| **Repository** | acme/widgets |');
    expect(issue.body).toContain('| **Details** | <https://scanner.example/r/1> |');
    expect(issue.body).toContain('| package | lodash |');
    expect(issue.body).toContain('Upgrade lodash.');
  });

  it('says where a finding was found when a route sent it to another repo', () => {
    const routed = renderIssue(
      { ...finding({ repo: 'acme/triage' }), routedFrom: 'acme/widgets' },
      { label: undefined },
    );
    expect(routed.body).toContain('| **Repository** | acme/triage |');
    expect(routed.body).toContain('| **Found in** | acme/widgets (sent here by a route) |');
    expect(renderIssue(finding(), { label: undefined }).body).not.toContain('Found in');
  });

  it('has no prefix in prod and accepts a ready-made [LABEL] prefix', () => {
    expect(renderIssue(finding(), { label: undefined }).title).toBe('lodash prototype pollution');
    expect(renderIssue(finding(), { label: '[DEV] ' }).title).toBe('[DEV] lodash prototype pollution');
  });

  it('keeps the title within 256 characters, ending with …', () => {
    const title = renderIssue(finding({ title: 'x'.repeat(256) }), { label: 'STAGING' }).title;
    expect(title).toHaveLength(256);
    expect(title.startsWith('[STAGING] xxx')).toBe(true);
    expect(title.endsWith('…')).toBe(true);
    const emoji = renderIssue(finding({ title: '😀'.repeat(200) }), { label: undefined }).title;
    expect(emoji.length).toBeLessThanOrEqual(256);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no split surrogate pair
  });

  it('neutralises mentions and cross-references from the finding, everywhere', () => {
    const issue = renderIssue(
      finding({
        title: 'ping @octocat about #12',
        body: 'cc @acme/security, see other/repo#3 and GH-44; mail a@b.com',
        metadata: { owner: '@alice' },
      }),
      { label: undefined },
    );
    const all = `${issue.title}\n${issue.body}`;
    expect(all).not.toMatch(/(?<![A-Za-z0-9_])@[A-Za-z0-9]/);
    expect(all).not.toMatch(/#\d/);
    expect(all).not.toMatch(/GH-\d/);
    expect(issue.title).toBe(`ping @${ZW}octocat about #${ZW}12`);
    expect(issue.body).toContain(`@${ZW}acme/security`);
    // Every @ is broken, also in an address (invisible: still readable, no longer a mailto link).
    expect(issue.body).toContain(`a@${ZW}b.com`);
  });

  it('links the closed issue it follows up (the only live reference)', () => {
    const body = renderIssue(finding(), { label: undefined, previousIssue: 7 }).body;
    expect(body).toContain('| **Previously** | #7 |');
  });

  it('escapes table-breaking metadata and closes a fence the finding left open', () => {
    const body = renderIssue(
      finding({ body: '```js\nconst a = 1;', metadata: { 'a|b': 'line1\nline2 | <b>x</b>' } }),
      { label: undefined },
    ).body;
    expect(body).toContain('| a\\|b | line1<br>line2 \\| \\<b\\>x\\</b\\> |');
    expect(body).toContain('const a = 1;\n```\n');
  });

  it('keeps the body within GitHub’s 65,536 characters and says it was cut', () => {
    const huge = finding({
      body: 'word '.repeat(20_000),
      metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, '@v'.repeat(500)])),
    });
    const body = renderIssue(huge, { label: undefined }).body;
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_MAX);
    expect(body).toMatch(/truncated by finding-relay: \d+ of 100000 characters of the finding are shown/);
    expect(findMarker(body)).toBe('fr1:abc');
    expect(body).toContain('Opened by finding-relay');
    const small = renderIssue(finding(), { label: undefined }).body;
    expect(small).not.toContain('truncated');
  });

  it("reserves the relay's own labels: a finding cannot add severity:* or finding-relay", () => {
    const labels = renderIssue(
      finding({
        severity: 'info',
        labels: [
          'severity:critical',
          'SEVERITY:Critical',
          ' severity : high',
          'sev\u200Berity:critical',
          'ｓｅｖｅｒｉｔｙ:critical',
          'finding-relay',
          'Finding-Relay:triaged',
          'finding relay',
          'deps',
          'severity-of-life',
        ],
      }),
      { label: undefined },
    ).labels;
    expect(labels).toEqual(['finding-relay', 'severity:info', 'deps', 'severity-of-life']);
  });

  it('dedupes labels case-insensitively and keeps each within 50 characters', () => {
    const labels = renderIssue(finding({ labels: ['Finding-Relay', 'deps', 'DEPS', 'y'.repeat(50)] }), {
      label: undefined,
    }).labels;
    expect(labels).toEqual(['finding-relay', 'severity:high', 'deps', 'y'.repeat(50)]);
    expect(labels.every((l) => l.length <= 50)).toBe(true);
  });
});

describe('renderRecurrenceComment', () => {
  it('counts the recurrences since the last announcement', () => {
    const text = renderRecurrenceComment(
      3,
      '2026-11-03T10:00:00.000Z',
      finding({ source: { agent: '@bot' } }),
    );
    expect(text).toMatch(/^Seen again \*\*3 times\*\* since 2026-11-03T10:00:00.000Z\./);
    expect(text).toContain(`agent @${ZW}bot`);
    expect(text).toContain('Details: <https://scanner.example/r/1>');
    expect(renderRecurrenceComment(1, 'x', finding())).toContain('**1 time**');
  });
});

/**
 * An over-approximation of the text GitHub's mention filter sees once an issue is rendered: tags
 * dropped, character references decoded once (numeric ones also without `;`, as an HTML parser
 * does), markdown punctuation removed. Removing markup can only join more text, never less, so
 * "no @ directly followed by a username character here" is stricter than GitHub needs.
 */
function renderedTextOver(markdown: string): string {
  return markdown
    .replace(/<[^<>]*>/g, '')
    .replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z]+));?/g, (all, dec, hex, name) => {
      if (dec ?? hex) return String.fromCodePoint(Number.parseInt(dec ?? hex, dec ? 10 : 16) % 0x110000);
      return ({ commat: '@', num: '#', amp: '&', lt: '<', gt: '>' } as Record<string, string>)[name] ?? all;
    })
    .replace(/[*_~`[\]()\\>|!-]/g, '');
}
const liveMention = (markdown: string) => /@[A-Za-z0-9]/.exec(renderedTextOver(markdown))?.[0];

/** Markdown built from inline markup, HTML, character references and text around an `@`. */
const MARKUP = [
  '_',
  '*',
  '**',
  '~~',
  '~',
  '`',
  '``',
  '[',
  '](https://x.example)',
  '](',
  ')',
  '\\',
  '\n',
  '\n\n',
  '> ',
  '- ',
  '|',
  '<b>',
  '</b>',
  '<em>',
  '</em>',
  '<span title="x">',
  '</span>',
  '<a href="x">',
  '</a>',
  '<details>',
  '</details>',
  '<summary>',
  '<code>',
  '</code>',
  '<!-- c -->',
  '<br>',
  '&amp;',
  '&amp',
  '&nbsp;',
  '\u200b',
];
const AT_SIGNS = ['@', '&#64;', '&#x40;', '&#X040;', '&commat;', '&#0064;', '&#64', '&#x40', '＠'];
const NAME_STARTS = ['u', 'Z', '7', '&#117;', '&#x75;', '&#X55', 'octo-cat', 'org/team'];
const fragment = fc.oneof(
  fc.constantFrom(...MARKUP),
  fc.constantFrom(...AT_SIGNS),
  fc.constantFrom(...NAME_STARTS),
  fc.stringMatching(/^[A-Za-z0-9 .,:;]{0,6}$/),
);
const markdown = fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join(''));
/** An at-sign in some spelling, with markup around it and a username right after. */
const mentionAttempt = fc
  .tuple(
    fc.array(fragment, { maxLength: 8 }),
    fc.constantFrom(...AT_SIGNS),
    fc.constantFrom(...NAME_STARTS),
    fc.array(fragment, { maxLength: 8 }),
  )
  .map(([before, at, name, after]) => `${before.join('')}${at}${name}${after.join('')}`);

describe('neutralise', () => {
  it('leaves text without @ or references alone', () => {
    expect(neutralise('nothing to see: C# 10, #hash, a_b *c*')).toBe('nothing to see: C# 10, #hash, a_b *c*');
  });

  it.each([
    '_@user_',
    '*@user*',
    '~~@user~~',
    '**@org/team**',
    '[@user](https://x.example)',
    '<b>@user</b>',
    'x<span>@user</span>',
    'a&#64;user',
    '&#64user',
    '@&#117;ser',
    'a\\@user',
    'mail a@b.com',
  ])('leaves no live mention in %s', (text) => {
    expect(liveMention(neutralise(text))).toBeUndefined();
    expect(
      liveMention(
        renderIssue(finding({ title: text, body: text, metadata: { k: text } }), { label: undefined }).body,
      ),
    ).toBeUndefined();
  });

  it('leaves no @ followed by a username character, whatever markup surrounds it (property)', () => {
    fc.assert(
      fc.property(fc.oneof(markdown, mentionAttempt), (text) => {
        expect(liveMention(neutralise(text))).toBeUndefined();
      }),
      { numRuns: 2_000 },
    );
  });

  it('does so in every part of an issue taken from the finding (property)', () => {
    fc.assert(
      fc.property(mentionAttempt, mentionAttempt, (title, body) => {
        const issue = renderIssue(
          finding({
            title: title.replace(/\s+/g, ' ').trim() || 't',
            body,
            metadata: { [title.slice(0, 90) || 'k']: body },
          }),
          { label: undefined },
        );
        expect(liveMention(issue.title)).toBeUndefined();
        expect(liveMention(issue.body)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('the oracle does see what the old rule missed', () => {
    expect(liveMention('_@user_')).toBe('@u');
    expect(liveMention('&#64user')).toBe('@u');
  });
});

/** The relay's own sections after the finding's body, as GitHub would show them. */
function expectSectionsVisible(body: string, metadata: Record<string, string> = { key: 'value' }): void {
  const rendered = renderIssue(finding({ body, metadata }), { label: undefined }).body;
  const visible = visibleIssueText(rendered);
  expect(visible, rendered).toContain('Opened by finding-relay');
  expect(visible, rendered).toContain('### Metadata');
  expect(openElementsBefore(rendered, rendered.indexOf('### Metadata')), rendered).toEqual([]);
}

describe("a body that would swallow the relay's own sections", () => {
  it.each([
    ['a longer fence closed by a shorter one', '````\ncode\n```\nstill code'],
    ['a tilde fence', '~~~~\ncode'],
    ['a backtick fence "closed" with tildes', '```\ncode\n~~~'],
    ['a tilde fence "closed" with backticks', '~~~\ncode\n```'],
    ['a five-backtick fence with an info string', '`````js title\n````\n```'],
    ['an indented fence', '   ~~~~~\nx\n  ~~~~'],
    ['a fence after CR line ends', 'text\r```\r@x'],
    ['an unclosed <details>', '<details>\n<summary>more</summary>\n\nhidden'],
    ['nested unclosed elements', '<div><details><summary>s</summary>\n\n<table><tr><td>x'],
    ['a close before its open', '</details><details>x'],
    ['an unclosed <pre>', '<pre>\nraw'],
    ['an unclosed <DETAILS/>', 'x\n<DETAILS/x>\ny'],
    ['a fence inside an HTML block', '<div>\n```\n'],
    ['a fence in a list item', '- a\n\n   ```\n   code'],
    ['a declaration', 'x\n<!DOCTYPE html'],
  ])('%s', (_, body) => expectSectionsVisible(body));

  it('starts a fence the finding opens at the margin after a blank line, so GitHub agrees it is one', () => {
    const rendered = renderIssue(finding({ body: '<div>\n  ```\nx' }), { label: undefined }).body;
    expect(rendered).toContain('<div>\n\n```\nx\n```\n\n</div>\n');
  });

  it('shows a body that would need a flood of end tags as code it cannot leave', () => {
    const body = `${'<b>'.repeat(60)}\n\`\`\`\`x`;
    const rendered = renderIssue(finding({ body }), { label: undefined }).body;
    expect(rendered).toContain(`\`\`\`\`\`\n${'<b>'.repeat(60)}\n\`\`\`\`x\n\`\`\`\`\``);
    expect(visibleIssueText(rendered)).toContain('Opened by finding-relay');
  });

  it('keeps a closed fence and balanced HTML as they were', () => {
    const body = '```js\nconst a = 1;\n```\n\n<details><summary>s</summary>x</details>';
    const rendered = renderIssue(finding({ body }), { label: undefined }).body;
    expect(rendered).toContain(body);
  });

  it('holds for generated fences and elements, also when the body is cut (property)', () => {
    const piece = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('', ' ', '  ', '   '),
          fc.constantFrom('`', '~'),
          fc.integer({ min: 3, max: 6 }),
          fc.constantFrom('', 'js', ' x'),
        )
        .map(([indent, c, n, info]) => `${indent}${c.repeat(n)}${info}`),
      fc.constantFrom(
        '<details>',
        '</details>',
        '<summary>s</summary>',
        '<div>',
        '</div>',
        '<pre>',
        '<b>',
        '<table>',
        '<td>',
        '- item',
        '> quote',
        '',
      ),
      fc.stringMatching(/^[a-z ]{0,10}$/),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (pieces, eol, huge) => {
          const text = pieces.join(eol);
          expectSectionsVisible(huge ? `${text}${eol}${'word '.repeat(4_000)}`.slice(0, 20_000) : text);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('text GitHub would decode or swallow', () => {
  it('neutralises @ and # spelt as character references', () => {
    expect(neutralise('&#64;a &#x40;b &#X040;c &commat;d &#35;1 &#x23;2 &num;3')).toBe(
      `@${ZW}a @${ZW}b @${ZW}c @${ZW}d #${ZW}1 #${ZW}2 #${ZW}3`,
    );
    // Shown as typed (`&#64;`), never decoded into a mention.
    expect(neutralise('&amp;#64;a')).not.toContain('@');
  });

  it('keeps an unclosed comment, processing instruction or <script> in the body from hiding the rest', () => {
    for (const body of ['x\n<!-- hidden', 'x <script>\ny', 'x\n<?php y', 'x <TEXTAREA>', 'x <![CDATA[ y']) {
      const rendered = renderIssue(finding({ body }), { label: undefined }).body;
      const fromFinding = rendered.slice(rendered.indexOf('### Finding'));
      expect(fromFinding).not.toMatch(/<(?:!--|\?|!\[CDATA\[|script|textarea)/i);
      expect(fromFinding).toContain(`<${ZW}`);
    }
    // Other HTML is left for GitHub's sanitiser, and the marker stays the first line.
    const html = renderIssue(finding({ body: '<details><summary>s</summary>x</details>' }), {
      label: undefined,
    });
    expect(html.body).toContain('<details><summary>s</summary>x</details>');
    expect(findMarker(html.body)).toBe('fr1:abc');
  });
});
