import { describe, expect, it } from 'vitest';
import type { Finding } from '../../finding/schema.js';
import { findMarker } from './marker.js';
import { GITHUB_BODY_MAX, neutralise, renderIssue, renderRecurrenceComment } from './render.js';

const base: Finding = {
  schemaVersion: 1,
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
};
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
    expect(issue.body).toContain('a@b.com'); // not a mention on GitHub: left readable
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

describe('neutralise', () => {
  it('leaves ordinary text alone', () => {
    expect(neutralise('nothing to see: a@b, C# 10, #hash')).toBe('nothing to see: a@b, C# 10, #hash');
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
