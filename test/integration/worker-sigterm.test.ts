import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';
import { finding, ledgerRecords, provisionForTest, relayEnv } from '../support/relay-harness.js';
import { spawnWorker, waitUntil } from '../support/worker-process.js';

let pubsub: PubSub;
beforeAll(() => {
  pubsub = createTestPubSub();
});
afterAll(async () => {
  await pubsub.close();
});

describe('graceful shutdown', () => {
  it('SIGTERM in the middle of 2,000 findings: after a restart each has exactly one outcome, none lost or doubled', async () => {
    const names = uniqueNames('sigterm');
    await provisionForTest(pubsub, names);
    const storeDir = await mkdtemp(join(tmpdir(), 'relay-sigterm-'));
    const env = { ...relayEnv(names, storeDir), LOG_LEVEL: 'warn', PORT: '0' };
    const total = 2_000;
    const findings = Array.from({ length: total }, (_, i) => finding({ repo: `acme/repo-${i % 7}` }));
    const topic = pubsub.topic(names.findingsTopic, { batching: { maxMessages: 500, maxMilliseconds: 10 } });

    const first = spawnWorker({ ...env, LOG_LEVEL: 'info' });
    await Promise.all(findings.map((f) => topic.publishMessage({ data: Buffer.from(JSON.stringify(f)) })));
    await waitUntil(
      async () => (await ledgerRecords(storeDir)).length >= 200,
      'the first worker to make progress',
    );
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const afterFirst = (await ledgerRecords(storeDir)).length;
    expect(first.output()).not.toMatch(/"severity":"(ERROR|CRITICAL)"/);

    const second = spawnWorker({ ...env, LOG_LEVEL: 'info' });
    try {
      await waitUntil(
        async () => (await ledgerRecords(storeDir)).length >= total,
        'every finding in the ledger',
        90_000,
      ).catch(async (error: Error) => {
        const n = (await ledgerRecords(storeDir)).length;
        writeFileSync(join(tmpdir(), 'relay-sigterm-second.log'), second.output());
        writeFileSync(join(tmpdir(), 'relay-sigterm-first.log'), first.output());
        throw new Error(
          `${error.message}: ${n} of ${total} (first run ${afterFirst}); log in ${tmpdir()}/relay-sigterm-second.log`,
        );
      });
      // Let any redelivery arrive before judging "no doubles".
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      second.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);

    const records = await ledgerRecords(storeDir);
    const ids = records.map((r) => r.findingId);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toHaveLength(total);
    expect(new Set(ids)).toEqual(new Set(findings.map((f) => f.id)));
    expect(afterFirst).toBeLessThan(total);
    // A graceful stop must not burn delivery attempts: what the first worker held or had buffered
    // comes back once, not in a nack loop towards the dead-letter topic. (Usually nothing comes
    // back at all: the first worker acked every message once it was queued, and the second
    // worker's dispatcher drains what the outbox still holds.)
    const attempts = [...second.output().matchAll(/"deliveryAttempt":(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(0, ...attempts)).toBeLessThanOrEqual(3);
    expect(second.output()).toMatch(/"message":"dispatcher lease taken"/);
    const left = await receiveMessages(pubsub, names.findingsSubscription, {
      count: 1,
      timeoutMs: 1_500,
    }).catch(() => []);
    expect(left).toHaveLength(0);
    const dead = await receiveMessages(pubsub, names.deadLetterSubscription, {
      count: 1,
      timeoutMs: 500,
    }).catch(() => []);
    expect(dead).toHaveLength(0);
  }, 240_000);
});
