import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeSlackText, slackHostLink, slackLinkUrl, TRUNCATION_MARK, truncateEscaped } from './escape.js';

describe('escapeSlackText', () => {
  it('never leaves a < or > for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = escapeSlackText(s);
        expect(out).not.toMatch(/[<>]/);
      }),
      { numRuns: 1_000 },
    );
  });

  it('leaves no bare & that could start a new entity', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeSlackText(s)).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }),
    );
  });

  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<@U0123>', '&lt;@U0123&gt;'],
    ['<#C123>', '&lt;#C123&gt;'],
    ['<!subteam^S123|@team>', '&lt;!subteam^S123|@team&gt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['&lt;!channel&gt;', '&amp;lt;!channel&amp;gt;'],
  ])('escapes %s', (input, expected) => {
    expect(escapeSlackText(input)).toBe(expected);
  });

  it('neutralises bare broadcast words but keeps them readable', () => {
    const out = escapeSlackText('ping @channel @HERE and @everyone, not @heresy or me@here.com');
    expect(out).not.toMatch(/@(channel|here|everyone)\b/i);
    expect(out.replace(/\u2060/g, '')).toBe('ping @channel @HERE and @everyone, not @heresy or me@here.com');
    expect(out).toContain('@heresy');
  });

  it('strips control and bidi-override characters, keeping tabs and newlines', () => {
    expect(escapeSlackText('a\u0000b\u001bc\u202Ed\u2066e\tf\ng\u0085h')).toBe('abcde\tf\ngh');
  });
});

describe('slackLinkUrl and slackHostLink', () => {
  it('accepts https and escapes what would end or break the link', () => {
    expect(slackLinkUrl('https://example.com/a?x=1&y=2')).toBe('https://example.com/a?x=1&amp;y=2');
    expect(slackLinkUrl('https://example.com/a|b')).toBe('https://example.com/a%7Cb');
    expect(slackLinkUrl('https://example.com/#<frag>')).not.toMatch(/[<>|]/);
  });

  it.each([
    'http://example.com',
    'javascript:alert(1)',
    'https://user:pass@example.com/',
    'https://trusted.example@evil.example/',
    'not a url',
    `https://example.com/${'a'.repeat(3_000)}`,
  ])('refuses %s', (url) => {
    expect(slackLinkUrl(url)).toBeUndefined();
    expect(slackHostLink(url)).toBeUndefined();
  });

  it('builds one link labelled with its own host, whose only brackets are its own', () => {
    const link = slackHostLink('https://example.com:8443/x?a=1&b=<2>');
    expect(link).toBe('<https://example.com:8443/x?a=1&amp;b=%3C2%3E|example.com:8443>');
    expect(link?.match(/[<>]/g)).toEqual(['<', '>']);
    // An IDN host is shown in punycode: no look-alike letters in the label.
    expect(slackHostLink('https://gіthub.com/login')).toBe(
      '<https://xn--gthub-n2e.com/login|xn--gthub-n2e.com>',
    );
  });
});

describe('truncateEscaped', () => {
  it('keeps the limit and never splits an entity or surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 0, max: 60 }), (s, max) => {
        const out = truncateEscaped(escapeSlackText(s), max);
        expect(out.length).toBeLessThanOrEqual(max);
        const body = out.endsWith(TRUNCATION_MARK) ? out.slice(0, -TRUNCATION_MARK.length) : out;
        expect(body).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(body).not.toMatch(/[\uD800-\uDBFF]$/);
      }),
    );
  });

  it('marks a cut and leaves short text alone', () => {
    expect(truncateEscaped('short', 10)).toBe('short');
    expect(truncateEscaped('x'.repeat(50), 20)).toBe(
      `${'x'.repeat(20 - TRUNCATION_MARK.length)}${TRUNCATION_MARK}`,
    );
  });
});
