import { describe, expect, it } from 'vitest';
import {
  type CorpusCase,
  githubTextProblems,
  labelProblems,
  liveGitHubReferences,
  loadBadInputCorpus,
  slackLinkOpening,
  slackMarkupProblems,
  slackTexts,
  titleMarker,
  visibleIssueText,
} from '../../test/support/bad-input-corpus.js';
import { parseFindingBytes } from '../finding/parse.js';
import type { Finding } from '../finding/schema.js';
import { findMarker, renderIssue, renderRecurrenceComment } from './github/render.js';
import { renderDigest } from './slack/digest.js';

/**
 * Every delivered case of the bad-input corpus through both renderers, in-process (the running
 * relay does the same against the stand-ins in test/integration/bad-input-corpus.test.ts): what
 * reaches Slack and GitHub is inert, whatever the case.
 */
const delivered = loadBadInputCorpus().flatMap((c: CorpusCase) => {
  if (c.fate.expect !== 'delivered') return [];
  const parsed = parseFindingBytes(c.data);
  if (!parsed.ok) throw new Error(`corpus case ${c.name} should be a finding: ${parsed.detail}`);
  return [{ name: c.name, checks: c.fate.checks, finding: parsed.finding }];
});

const digestOf = (f: Finding) =>
  renderDigest(
    [
      {
        severity: f.severity,
        title: f.title,
        occurredAt: f.occurredAt,
        agent: f.source.agent,
        ...(f.repo ? { repo: f.repo } : {}),
        ...(f.url ? { url: f.url } : {}),
      },
    ],
    { label: 'DEV', max: 20 },
  );

describe('the bad-input corpus through both renderers', () => {
  it.each(delivered.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const { finding, checks } = c;
    const openings = new Set(finding.url ? [slackLinkOpening(finding.url)] : []);
    const texts = slackTexts(digestOf(finding));
    expect(texts.flatMap((t) => slackMarkupProblems(t, openings))).toEqual([]);
    const marker = titleMarker(finding.title);
    if (checks.includes('slack-listed') && marker) expect(texts.join('\n')).toContain(marker);

    const issue = renderIssue(finding, { label: 'DEV' });
    const comment = renderRecurrenceComment(2, '2026-11-26T00:00:00Z', finding);
    if (checks.includes('marker-roundtrip')) expect(findMarker(issue.body)).toBe(finding.fingerprint);
    if (checks.includes('github-inert')) {
      const linked = finding.url ? [`<${finding.url}>`] : [];
      expect([
        ...liveGitHubReferences(issue.title),
        ...liveGitHubReferences(issue.body, linked),
        ...liveGitHubReferences(comment, linked),
      ]).toEqual([]);
    }
    if (checks.includes('github-sections-visible')) {
      expect(visibleIssueText(issue.body)).toContain('Opened by finding-relay');
    }
    if (checks.includes('github-labels-reserved'))
      expect(labelProblems(issue.labels, finding.severity)).toEqual([]);
    if (checks.includes('github-visible-text'))
      expect(githubTextProblems(issue.title, issue.body)).toEqual([]);
  });
});
