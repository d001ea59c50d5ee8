import { describe, expect, it } from 'vitest';
import type { DeadLetter } from './dead-letter-record.js';
import { replayAttributes, replayDeadLetters } from './replay.js';
import { testLetter, validFindingJson } from './test-letters.js';

function recorder(failFor: (data: string) => boolean = () => false) {
  const published: Array<{ data: string; attributes: Record<string, string> }> = [];
  const acked: string[] = [];
  return {
    published,
    acked,
    topic: {
      publishMessage: async (m: { data: Buffer; attributes: Record<string, string> }) => {
        if (failFor(m.data.toString())) throw new Error('UNAVAILABLE: try later');
        published.push({ data: m.data.toString(), attributes: m.attributes });
        return `new-${published.length}`;
      },
    },
    ack: async (letters: readonly DeadLetter[]) => {
      acked.push(...letters.map((l) => l.messageId));
    },
  };
}

describe('replayAttributes', () => {
  it('drops the dead-letter bookkeeping, keeps the rest and names the original message', () => {
    const letter = testLetter(validFindingJson('f'), {
      agent: 'scanner',
      severity: 'high',
      finding_relay_reason: 'permanent-slack',
      finding_relay_detail: 'channel_is_archived',
      finding_relay_original_message_id: 'orig-1',
      finding_relay_replayed_from: 'older',
      CloudPubSubDeadLetterSourceDeliveryCount: '5',
      CloudPubSubDeadLetterSourceSubscription: 'finding-relay',
    });
    expect(replayAttributes(letter)).toEqual({
      agent: 'scanner',
      severity: 'high',
      finding_relay_replayed_from: 'orig-1',
    });
  });

  it("uses the dead letter's own id when Pub/Sub dead-lettered it", () => {
    const letter = testLetter(
      validFindingJson('f'),
      { CloudPubSubDeadLetterSourceDeliveryCount: '5' },
      { messageId: 'dl-9' },
    );
    expect(replayAttributes(letter).finding_relay_replayed_from).toBe('dl-9');
  });
});

describe('replayDeadLetters', () => {
  it('republishes valid findings byte for byte, acks only those, and refuses the still-invalid', async () => {
    const valid = testLetter(validFindingJson('ok'), { finding_relay_reason: 'permanent-github' });
    const invalid = testLetter('{"schemaVersion":1', { finding_relay_reason: 'invalid-json' });
    const r = recorder();
    const report = await replayDeadLetters([valid, invalid], r, { dryRun: false });
    expect(r.published.map((p) => p.data)).toEqual([validFindingJson('ok')]);
    expect(r.acked).toEqual([valid.messageId]);
    expect(report.replayed).toEqual([{ letter: valid, messageId: 'new-1' }]);
    expect(report.refused).toEqual([
      { letter: invalid, reason: 'invalid-json', detail: expect.stringMatching(/JSON/) },
    ]);
    expect(report.failed).toEqual([]);
  });

  it('leaves a dead letter whose publish failed, and reports it', async () => {
    const a = testLetter(validFindingJson('a'));
    const b = testLetter(validFindingJson('b'));
    const r = recorder((data) => data.includes('"b"'));
    const report = await replayDeadLetters([a, b], r, { dryRun: false });
    expect(r.acked).toEqual([a.messageId]);
    expect(report.failed).toEqual([{ letter: b, error: 'publish failed: UNAVAILABLE: try later' }]);
  });

  it('reports published-but-not-removed when the ack fails', async () => {
    const a = testLetter(validFindingJson('a'));
    const r = recorder();
    const report = await replayDeadLetters(
      [a],
      { topic: r.topic, ack: async () => Promise.reject(new Error('DEADLINE_EXCEEDED')) },
      { dryRun: false },
    );
    expect(report.replayed).toEqual([]);
    expect(report.failed[0]?.error).toMatch(
      /republished, but removing the dead letter failed: DEADLINE_EXCEEDED/,
    );
  });

  it('in a dry run publishes and acks nothing', async () => {
    const r = recorder();
    const report = await replayDeadLetters([testLetter(validFindingJson('a')), testLetter('x')], r, {
      dryRun: true,
    });
    expect(r.published).toEqual([]);
    expect(r.acked).toEqual([]);
    expect([report.replayed.length, report.refused.length]).toEqual([1, 1]);
  });

  it('reports progress per chunk and stops between chunks once aborted', async () => {
    const letters = Array.from({ length: 5 }, (_, i) => testLetter(validFindingJson(`p-${i}`)));
    const controller = new AbortController();
    const progress: number[] = [];
    const r = recorder();
    await replayDeadLetters(letters, r, {
      dryRun: false,
      chunkSize: 2,
      signal: controller.signal,
      onProgress: (handled) => {
        progress.push(handled);
        if (handled >= 4) controller.abort();
      },
    });
    expect(progress).toEqual([2, 4]);
    expect(r.acked).toHaveLength(4);
  });
});
