import type { Message, PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMarker, markerFor } from '../../src/channels/github/marker.js';
import { parseFindingBytes } from '../../src/finding/parse.js';
import type { Finding } from '../../src/finding/schema.js';
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
} from '../support/bad-input-corpus.js';
import { type GitHubStandIn, startGitHubStandIn } from '../support/github-stand-in.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';
import {
  finding,
  provisionForTest,
  type RelayUnderTest,
  startRelayUnderTest,
} from '../support/relay-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

/**
 * The whole bad-input corpus through a running relay on the emulator, with Slack ENABLED and
 * GitHub REAL against the stand-ins: each case meets the fate its manifest names, everything that
 * reaches a channel is inert, and the worker still relays a normal finding afterwards.
 */

const ALLOWLIST = 'acme/*';
/** Delivered cases are published in chunks so no Slack digest lists more than it can show. */
const CHUNK = 30;
const SLACK_BATCH_MAX = 45;

type Delivered = CorpusCase & { finding: Finding };
const cases = loadBadInputCorpus();
const deadCases = cases.filter((c) => c.fate.expect === 'dead-letter');
const deliveredCases: Delivered[] = cases.flatMap((c) => {
  if (c.fate.expect !== 'delivered') return [];
  const parsed = parseFindingBytes(c.data);
  if (!parsed.ok) throw new Error(`corpus case ${c.name} should be a finding: ${parsed.detail}`);
  return [{ ...c, finding: parsed.finding }];
});
const checksOf = (c: CorpusCase) => (c.fate.expect === 'delivered' ? c.fate.checks : []);

let pubsub: PubSub;
let slack: SlackStandIn;
let github: GitHubStandIn;
let relay: RelayUnderTest;
let deadLetters: Message[];
let names: ReturnType<typeof uniqueNames>;

beforeAll(async () => {
  pubsub = createTestPubSub();
  names = uniqueNames('bad-input');
  await provisionForTest(pubsub, names);
  slack = await startSlackStandIn();
  const repos = deliveredCases
    .filter((c) => checksOf(c).includes('github-issue'))
    .map((c) => c.finding.repo!);
  github = await startGitHubStandIn({ repos: [...new Set(repos.map((r) => r.toLowerCase()))] });
  relay = await startRelayUnderTest(names, {
    SLACK_NOTIFICATIONS_ENABLED: 'true',
    SLACK_WEBHOOK_URL: slack.url,
    SLACK_BATCH_WINDOW_MS: '200',
    SLACK_BATCH_MAX: String(SLACK_BATCH_MAX),
    GITHUB_ISSUE_CREATION_ENABLED: 'true',
    DRY_RUN: 'false',
    GITHUB_TOKEN: github.token,
    GITHUB_API_URL: github.url,
    GITHUB_REPO_ALLOWLIST: ALLOWLIST,
    GITHUB_WRITE_INTERVAL_MS: '0',
  });
  const topic = pubsub.topic(names.findingsTopic);
  const publish = (c: CorpusCase) => topic.publishMessage({ data: c.data, attributes: { case: c.name } });
  await Promise.all(deadCases.map(publish));
  let published = deadCases.length;
  for (let i = 0; i < deliveredCases.length; i += CHUNK) {
    const chunk = deliveredCases.slice(i, i + CHUNK);
    await Promise.all(chunk.map(publish));
    published += chunk.length;
    await relay.waitForSettled(published, 40_000);
    await relay.waitForDispatched(60_000);
  }
  deadLetters = await receiveMessages(pubsub, names.deadLetterSubscription, {
    count: deadCases.length,
    timeoutMs: 20_000,
  });
}, 90_000);

afterAll(async () => {
  await relay?.worker.stop();
  await Promise.all([slack?.close(), github?.close()]);
  await pubsub?.close();
});

const settledFor = (name: string) => relay.settled.filter((s) => s.envelope.message.attributes.case === name);
/** The issue in the case's repo whose first line is the case's marker. */
const issuesFor = (c: Delivered) =>
  github
    .issues(c.finding.repo ?? '')
    .filter((i) => String(i.body ?? '').split('\n')[0] === markerFor(c.finding.fingerprint));

describe('the bad-input corpus through a running relay', () => {
  it('covers at least 60 cases of every fate', () => {
    const reasons = deadCases.map((c) => (c.fate.expect === 'dead-letter' ? c.fate.reason : ''));
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const reason of ['invalid-json', 'invalid-schema', 'too-large']) expect(reasons).toContain(reason);
    expect(deliveredCases.length).toBeGreaterThanOrEqual(20);
  });

  it('settles every message exactly once, without redelivery', () => {
    expect(relay.settled).toHaveLength(cases.length);
    for (const c of cases) expect(settledFor(c.name), c.name).toHaveLength(1);
  });

  it('puts every refused case on the dead-letter topic at once, with its reason and its bytes', () => {
    const byCase = new Map(deadLetters.map((m) => [m.attributes.case, m]));
    expect(byCase.size).toBe(deadCases.length);
    const reasons = Object.fromEntries(
      deadCases.map((c) => [c.name, byCase.get(c.name)?.attributes.finding_relay_reason]),
    );
    expect(reasons).toEqual(
      Object.fromEntries(
        deadCases.map((c) => [c.name, c.fate.expect === 'dead-letter' ? c.fate.reason : '']),
      ),
    );
    for (const c of deadCases) {
      const letter = byCase.get(c.name)!;
      expect(letter.data.equals(c.data), c.name).toBe(true);
      const detail = letter.attributes.finding_relay_detail ?? '';
      expect(detail.length, c.name).toBeGreaterThan(0);
      expect(Buffer.byteLength(detail), c.name).toBeLessThanOrEqual(1_000);
      expect(letter.attributes.CloudPubSubDeadLetterSourceDeliveryCount, c.name).toBeUndefined();
    }
  });

  it('acks every delivered case with the outcome each channel should reach', () => {
    for (const c of deliveredCases) {
      const [s] = settledFor(c.name);
      expect(s?.settlement, c.name).toEqual({ kind: 'ack' });
      expect(s && relay.outcomeOf(s.envelope, 'slack'), c.name).toEqual({ kind: 'sent' });
      const dropped = checksOf(c).find((k) => k.startsWith('github-dropped:'));
      const githubOutcome = s && relay.outcomeOf(s.envelope, 'github');
      if (dropped) expect(githubOutcome, c.name).toEqual({ kind: 'dropped', reason: dropped.split(':')[1] });
      else expect(githubOutcome, c.name).toMatchObject({ kind: 'sent' });
    }
  });

  it('sends Slack only inert text: no mention, broadcast or disguised link from a finding', () => {
    const openings = new Set(
      deliveredCases.flatMap((c) => (c.finding.url ? [slackLinkOpening(c.finding.url)] : [])),
    );
    expect(slack.received.length).toBeGreaterThan(0);
    expect(slack.received.map((r) => `${r.status} ${r.answer}`)).toEqual(slack.received.map(() => '200 ok'));
    const problems = slack.accepted.flatMap((r) =>
      slackTexts(r.body).flatMap((text) =>
        slackMarkupProblems(text, openings).map((p) => `${p} in ${text.slice(0, 80)}`),
      ),
    );
    expect(problems).toEqual([]);
    const shown = slack.accepted.flatMap((r) => slackTexts(r.body)).join('\n');
    const missing = deliveredCases
      .filter((c) => checksOf(c).includes('slack-listed'))
      .map((c) => [c.name, titleMarker(c.finding.title)] as const)
      .filter(([, marker]) => marker === undefined || !new RegExp(`\\b${marker}\\b`).test(shown));
    expect(missing).toEqual([]);
    expect(shown).not.toContain('bi-e01-first'); // a duplicated key's first value is never used
  });

  it('opens one GitHub issue per delivered case, valid for the OpenAPI description, with no live mention or reference', () => {
    expect(github.violations).toEqual([]);
    const problems: string[] = [];
    const problem = (c: CorpusCase, what: string, ok: boolean) => {
      if (!ok) problems.push(`${c.name}: ${what}`);
    };
    for (const c of deliveredCases) {
      const checks = checksOf(c);
      const issues = issuesFor(c);
      if (!checks.includes('github-issue')) {
        problem(c, 'has an issue but should not', issues.length === 0);
        continue;
      }
      problem(c, `has ${issues.length} issues, not 1`, issues.length === 1);
      const { title = '', body = '' } = (issues[0] ?? {}) as { title?: string; body?: string };
      if (checks.includes('marker-roundtrip')) {
        problem(c, 'marker does not decode to the fingerprint', findMarker(body) === c.finding.fingerprint);
      }
      if (checks.includes('github-inert')) {
        const linked = c.finding.url ? [`<${c.finding.url}>`] : [];
        const live = [...liveGitHubReferences(title), ...liveGitHubReferences(body, linked)];
        problem(c, `live references ${JSON.stringify(live.slice(0, 5))}`, live.length === 0);
      }
      if (checks.includes('github-sections-visible')) {
        problem(c, 'the footer is hidden', visibleIssueText(body).includes('Opened by finding-relay'));
      }
      if (checks.includes('github-labels-reserved')) {
        const labels = ((issues[0] as { labels?: unknown[] } | undefined)?.labels ?? []).map((l) =>
          typeof l === 'string' ? l : String((l as { name?: unknown }).name),
        );
        for (const p of labelProblems(labels, c.finding.severity)) problem(c, p, false);
      }
      if (checks.includes('github-visible-text')) {
        for (const p of githubTextProblems(title, body)) problem(c, p, false);
      }
    }
    expect(problems).toEqual([]);
  });

  it('escapes finding text on the status page and answers the outcomes API for a delivered case', async () => {
    const base = `http://127.0.0.1:${relay.worker.httpPort}`;
    // The page lists the last 50 outcomes: the generated cases, whose agent and title are markup.
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('bi-q14 &lt;!channel&gt;&amp;');
    expect(page).not.toMatch(/<script|<img|<iframe|<!channel|<!here/i);
    const outcome = await fetch(`${base}/api/outcomes/bad-input-bi-h01`);
    expect(outcome.status).toBe(200);
    expect(await outcome.json()).toMatchObject({ settlement: 'ack', channels: { slack: { kind: 'sent' } } });
  });

  it('neither crashes nor stalls: a normal finding after the corpus is delivered normally', async () => {
    const before = relay.settled.length;
    const normal = finding({ title: 'A normal finding after the corpus', repo: 'acme/widgets' });
    await pubsub.topic(names.findingsTopic).publishMessage({ data: Buffer.from(JSON.stringify(normal)) });
    await relay.waitForSettled(before + 1, 20_000);
    await relay.waitForDispatched(20_000);
    const settled = relay.settled.find((s) => s.envelope.finding?.id === normal.id);
    expect(settled?.settlement).toEqual({ kind: 'ack' });
    expect(settled && relay.outcomeOf(settled.envelope, 'slack')).toEqual({ kind: 'sent' });
    expect(settled && relay.outcomeOf(settled.envelope, 'github')).toMatchObject({ kind: 'sent' });
    expect(slack.accepted.some((r) => r.rawBody.includes('A normal finding after the corpus'))).toBe(true);
    expect(
      github
        .issues('acme/widgets')
        .some((i) => String(i.title).endsWith('A normal finding after the corpus')),
    ).toBe(true);
  });
});
