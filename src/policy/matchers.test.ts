import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anchored,
  compileMatcher,
  compileMatchers,
  formatMatcher,
  MATCHER_KEYS,
  MATCHER_OPS,
  type MatchableFinding,
  type Matcher,
  parseMatcher,
  parseMatchers,
} from './matchers.js';

const finding: MatchableFinding = {
  agent: 'dep-scanner',
  fingerprint: 'fp-1',
  repo: 'acme/api',
  severity: 'high',
  title: 'CVE-2026-1 in lodash',
  labels: ['deps', 'security'],
};

const parse = (text: string): Matcher => {
  const parsed = parseMatcher(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.matcher;
};
const matches = (text: string, f: MatchableFinding = finding) => compileMatcher(parse(text))(f);

describe('parseMatcher', () => {
  it('reads the four operators', () => {
    expect(parse('agent=dep-scanner')).toEqual({ key: 'agent', op: '=', value: 'dep-scanner' });
    expect(parse('repo!=acme/api')).toEqual({ key: 'repo', op: '!=', value: 'acme/api' });
    expect(parse('title=~CVE-.*')).toEqual({ key: 'title', op: '=~', value: 'CVE-.*' });
    expect(parse('label!~sec.*')).toEqual({ key: 'label', op: '!~', value: 'sec.*' });
  });

  it('accepts a quoted value and spaces around the key', () => {
    expect(parse(' title="~ approx " ')).toEqual({ key: 'title', op: '=', value: '~ approx ' });
    expect(parse('repo=""')).toEqual({ key: 'repo', op: '=', value: '' });
  });

  it('names the bad matcher and says what is wrong', () => {
    const { matchers, problems } = parseMatchers([
      'agent=ok',
      'team=x',
      'agent',
      'title=~(unclosed',
      'repo="x',
    ]);
    expect(matchers).toHaveLength(1);
    expect(problems).toEqual([
      expect.stringMatching(/^matcher "team=x": unknown key "team"; keys: agent, fingerprint/),
      expect.stringMatching(/^matcher "agent": expected KEY=VALUE/),
      expect.stringMatching(/^matcher "title=~\(unclosed": invalid regular expression/),
      expect.stringMatching(/^matcher "repo=\\"x": a quoted value/),
    ]);
  });
});

describe('matching', () => {
  it('equal and not equal', () => {
    expect(matches('agent=dep-scanner')).toBe(true);
    expect(matches('agent=dep')).toBe(false);
    expect(matches('severity!=low')).toBe(true);
  });

  it('anchors regexes as Alertmanager does', () => {
    expect(matches('agent=~dep')).toBe(false);
    expect(matches('agent=~dep.*')).toBe(true);
    expect(matches('agent=~scanner')).toBe(false);
    expect(matches('agent=~dep-scanner|other')).toBe(true);
    expect(matches('agent!~dep')).toBe(true);
  });

  it('label: any label for = and =~, none for != and !~', () => {
    expect(matches('label=security')).toBe(true);
    expect(matches('label=~sec.*')).toBe(true);
    expect(matches('label!=security')).toBe(false);
    expect(matches('label!=other')).toBe(true);
    expect(matches('label!~s.*')).toBe(false);
  });

  it('an absent repo or label list is the empty value', () => {
    const bare = { ...finding, repo: undefined, labels: undefined };
    expect(matches('repo=""', bare)).toBe(true);
    expect(matches('label=""', bare)).toBe(true);
    expect(matches('repo=~.+', bare)).toBe(false);
  });

  it('all matchers must match', () => {
    const both = compileMatchers([parse('agent=dep-scanner'), parse('severity=high')]);
    const one = compileMatchers([parse('agent=dep-scanner'), parse('severity=low')]);
    expect(both(finding)).toBe(true);
    expect(one(finding)).toBe(false);
    expect(compileMatchers([])(finding)).toBe(true);
  });
});

const matcherArb: fc.Arbitrary<Matcher> = fc
  .record({
    key: fc.constantFrom(...MATCHER_KEYS),
    op: fc.constantFrom(...MATCHER_OPS),
    value: fc.string({ maxLength: 20 }),
  })
  .map((m) =>
    // Regex values: escape the text so it is a valid pattern (the property is about the syntax).
    m.op === '=~' || m.op === '!~' ? { ...m, value: m.value.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&') } : m,
  );

describe('properties', () => {
  it('parse(format(m)) is m', () => {
    fc.assert(
      fc.property(matcherArb, (m) => {
        expect(parseMatcher(formatMatcher(m))).toEqual({ ok: true, matcher: m });
      }),
    );
  });

  it('a regex matches only whole values: an escaped literal matches exactly itself', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.string({ maxLength: 4 }),
        fc.string({ minLength: 1, maxLength: 4 }),
        (core, before, after) => {
          const re = anchored(core.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
          expect(re.test(core)).toBe(true);
          expect(re.test(`${before}${core}${after}`)).toBe(false);
        },
      ),
    );
  });

  it('an alternation stays anchored on each side', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z]{1,6}$/), (a, b) => {
        const re = anchored(`${a}|${b}`);
        expect(re.test(`${a}x`)).toBe(false);
        expect(re.test(`x${b}`)).toBe(false);
        expect(re.test(a) && re.test(b)).toBe(true);
      }),
    );
  });

  it('!= and !~ are exactly the negation of = and =~', () => {
    const findingArb = fc.record({
      agent: fc.string({ maxLength: 5 }),
      fingerprint: fc.string({ maxLength: 5 }),
      repo: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
      severity: fc.constantFrom('low', 'high'),
      title: fc.string({ maxLength: 5 }),
      labels: fc.option(fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(matcherArb, findingArb, (m, f) => {
        const opposite = { '=': '!=', '!=': '=', '=~': '!~', '!~': '=~' } as const;
        expect(compileMatcher({ ...m, op: opposite[m.op] })(f)).toBe(!compileMatcher(m)(f));
      }),
    );
  });
});
