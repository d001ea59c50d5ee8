import { describe, expect, it } from 'vitest';
import {
  letterToJson,
  renderListText,
  renderStatsText,
  type ScanContext,
  statsToJson,
  terminalSafe,
} from './render.js';
import { computeStats } from './stats.js';
import { testLetter, validFindingJson } from './test-letters.js';

const now = Date.UTC(2026, 10, 26, 12, 0, 0);
const ctx: ScanContext = {
  subscription: 'findings-dead-letter-inspect',
  capped: undefined,
  cap: 10_000,
  now,
};
const letters = [
  testLetter(
    JSON.stringify({ id: 'f-1', title: 'Evil \u001b[31mred\u001b[0m title', source: { agent: 'scanner' } }),
    { finding_relay_reason: 'invalid-schema', finding_relay_detail: 'severity: is required' },
    { messageId: 'm-1', publishTime: new Date(now - 3 * 3_600_000) },
  ),
  testLetter(
    Buffer.from([0xc3, 0x28]),
    { finding_relay_reason: 'invalid-json', finding_relay_detail: 'not valid UTF-8' },
    {
      messageId: 'm-2',
      publishTime: new Date(now - 90_000),
    },
  ),
  testLetter(
    validFindingJson('f-3'),
    { CloudPubSubDeadLetterSourceDeliveryCount: '5', agent: 'scanner' },
    {
      messageId: 'm-3',
      publishTime: new Date(now - 30_000),
    },
  ),
];

describe('stats', () => {
  it('counts by reason and agent, most frequent first, with the oldest and newest age', () => {
    const stats = computeStats(letters);
    expect(statsToJson(stats, ctx)).toEqual({
      subscription: 'findings-dead-letter-inspect',
      total: 3,
      capped: false,
      byReason: { 'invalid-json': 1, 'invalid-schema': 1, 'max-delivery-attempts': 1 },
      byAgent: { scanner: 2, unknown: 1 },
      oldestPublishTime: '2026-11-26T09:00:00.000Z',
      newestPublishTime: '2026-11-26T11:59:30.000Z',
      oldestAgeSeconds: 10_800,
      newestAgeSeconds: 30,
    });
    const text = renderStatsText(stats, ctx);
    expect(text).toContain('Dead letters on findings-dead-letter-inspect: 3');
    expect(text).toContain('oldest 3h ago, newest 30s ago');
    expect(text).toMatch(/By agent:\n {2}scanner {2,}2\n {2}unknown {2,}1/);
    expect(text).not.toContain('note:');
  });

  it('notes a capped scan', () => {
    expect(renderStatsText(computeStats([]), { ...ctx, capped: 'messages' })).toContain(
      'note: stopped at the scan cap of 10000 messages',
    );
  });
});

describe('list', () => {
  it('shows one terminal-safe line per dead letter with age, reason, agent, id, tries, title and detail', () => {
    const lines = renderListText(letters, ctx, 3).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AGE +REASON +AGENT +FINDING ID +TRIES +TITLE — DETAIL$/);
    expect(lines[1]).toMatch(/^3h +invalid-schema +scanner +f-1 +- +Evil \\u\{1b\}\[31mred/);
    expect(lines[1]).toContain('— severity: is required');
    expect(lines[2]).toMatch(/^1m +invalid-json +unknown +- +- +\(no title\) — not valid UTF-8$/);
    expect(lines[3]).toMatch(/^30s +max-delivery-attempts +scanner +f-3 +5 +Finding f-3 — delivered 5 times/);
    expect(lines[4]).toBe('3 shown of 3 dead letter(s) scanned on findings-dead-letter-inspect');
    expect(lines.join('\n')).not.toContain('\u001b');
  });

  it('gives the data as UTF-8 when it is, else base64, with the attributes', () => {
    expect(letterToJson(letters[2]!, now)).toMatchObject({
      messageId: 'm-3',
      origin: 'pubsub',
      deliveryCount: 5,
      dataEncoding: 'utf8',
      data: validFindingJson('f-3'),
      attributes: { CloudPubSubDeadLetterSourceDeliveryCount: '5', agent: 'scanner' },
      ageSeconds: 30,
    });
    expect(letterToJson(letters[1]!, now)).toMatchObject({
      dataEncoding: 'base64',
      data: 'wyg=',
      findingId: null,
    });
  });
});

describe('terminalSafe', () => {
  it('turns line breaks into spaces, escapes controls and bidi overrides, and bounds the length', () => {
    expect(terminalSafe('a\nb\tc', 20)).toBe('a b c');
    expect(terminalSafe('x\u202Ey', 20)).toBe('x\\u{202e}y');
    expect(terminalSafe('abcdefgh', 5)).toBe('abcd…');
  });
});
