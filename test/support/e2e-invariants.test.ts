import { describe, expect, it } from 'vitest';
import { checkInvariants, findSecretLeaks } from './e2e-invariants.js';

describe('the e2e secret scan', () => {
  const secrets = [
    { name: 'GITHUB_TOKEN', value: 'ghp_fake_0123456789abcdef' },
    { name: 'SLACK_WEBHOOK_URL', value: '/services/T0AAAA-fake/B0/xyz0123' },
  ];

  it('names each secret and where it was found', () => {
    const leaks = findSecretLeaks(secrets, [
      { where: 'w1 log', text: '{"err":"POST https://127.0.0.1:1/services/T0AAAA-fake/B0/xyz0123 failed"}' },
      { where: 'ledger', text: '[]' },
      { where: 'dead letters', text: 'Authorization: token ghp_fake_0123456789abcdef' },
    ]);
    expect(leaks).toEqual([
      'secret leak: GITHUB_TOKEN in dead letters (at character 21)',
      'secret leak: SLACK_WEBHOOK_URL in w1 log (at character 32)',
    ]);
  });

  it('finds nothing in redacted text, and refuses a secret too short to mean anything', () => {
    expect(
      findSecretLeaks(secrets, [{ where: 'w1 log', text: 'token [redacted], /services/[redacted]' }]),
    ).toEqual([]);
    expect(() => findSecretLeaks([{ name: 'x', value: 'abc' }], [])).toThrow(/too short/);
  });
});

describe('a digest repeated after a kill', () => {
  // Six findings, all sent to Slack. Digest 1 (before the kill) covers a–c; the killed holder never
  // recorded it, so the survivor's digest 2 covers a–f and lists only the most severe (d, e).
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `t-${x}`);
  const corpus = ids.map((id, i) => ({
    input: {} as never,
    finding: { id, fingerprint: `fp-${i}` } as never,
  }));
  const done = {
    outcome: (_id: string, channel: string) =>
      channel === 'slack' ? { kind: 'sent' } : { kind: 'dropped', reason: 'mode-disabled' },
    row: () => ({ state: 'done', attempts: 1 }),
  } as never;
  const digest = (at: number, covers: number, listed: string[]) => ({
    at,
    method: 'POST',
    path: '/hook',
    headers: {},
    rawBody: '',
    status: 200,
    body: {
      text: `[DEV] ${covers} findings`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `[DEV] ${covers} findings: x` } },
        ...listed.map((id) => ({ type: 'section', text: { type: 'mrkdwn', text: `*HIGH* ${id} title` } })),
      ],
    },
  });
  const run = (killedAt: number[], allowedRepeats: number) =>
    checkInvariants({
      corpus,
      idPrefix: 't',
      done,
      slackAccepted: [digest(1_000, 3, ['t-a']), digest(5_000, 6, ['t-d', 't-e'])] as never,
      allowedRepeats,
      killedAt,
      slackLabel: 'DEV',
      githubEffects: [],
      githubViolations: [],
      deadLetters: [],
      ledger: [],
      dedupeWindowS: 3_600,
    });

  it('is allowed within the last digest accepted before the kill', () => {
    const report = run([2_000], 1);
    expect(report.violations).toEqual([]);
    expect(report.notes.join('\n')).toMatch(
      /3 findings more than were sent, within the last digest before a kill \(3\)/,
    );
  });

  it('is a violation without a kill, or when the kill came before the repeated digest was posted', () => {
    expect(run([], 0).violations.join('\n')).toMatch(/cover 9 findings but only 6 have outcome sent/);
    expect(run([500], 1).violations.join('\n')).toMatch(/cover 9 findings but only 6 have outcome sent/);
  });
});
