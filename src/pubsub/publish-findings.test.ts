import { describe, expect, it } from 'vitest';
import { testFinding } from '../finding/test-findings.js';
import type { MessagePublisher } from './message-publisher.js';
import { findingAttributes, publishFindings } from './publish-findings.js';

describe('publishFindings', () => {
  it('sends each finding as JSON with severity, agent, fingerprint and schemaVersion attributes, ids in order', async () => {
    const sent: { data: Buffer; attributes: Record<string, string> }[] = [];
    const topic: MessagePublisher = {
      publishMessage: async (m) => {
        sent.push(m);
        return `id-${sent.length}`;
      },
    };
    const findings = Array.from({ length: 2_500 }, (_, i) =>
      testFinding({
        id: `f${i}`,
        source: { agent: 'scanner' },
        severity: 'critical',
        fingerprint: `fp-f${i}`,
      }),
    ); // more than one window
    const ids = await publishFindings(topic, findings);
    expect(ids).toHaveLength(2_500);
    expect(ids[0]).toBe('id-1');
    expect(ids.at(-1)).toBe('id-2500');
    expect(JSON.parse(sent[7]?.data.toString() ?? '')).toEqual(findings[7]);
    expect(sent[7]?.attributes).toEqual({
      severity: 'critical',
      agent: 'scanner',
      fingerprint: 'fp-f7',
      schemaVersion: '1',
    });
  });

  it('rejects when a publish fails', async () => {
    const topic: MessagePublisher = {
      publishMessage: async () => {
        throw new Error('denied');
      },
    };
    await expect(publishFindings(topic, [testFinding()])).rejects.toThrow('denied');
  });

  it('findingAttributes stays within Pub/Sub attribute limits for the longest allowed fields', () => {
    const long = { ...testFinding(), fingerprint: '€'.repeat(200), source: { agent: '€'.repeat(100) } };
    for (const value of Object.values(findingAttributes(long))) {
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(1024);
    }
  });
});
