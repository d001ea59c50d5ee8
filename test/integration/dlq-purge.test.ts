import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DlqDeps, runDlq } from '../../src/cli/dlq.js';
import type { CommandIO } from '../../src/cli/io.js';
import { createTestPubSub, uniqueNames } from '../support/pubsub-fixtures.js';
import { finding, provisionForTest, relayEnv } from '../support/relay-harness.js';

let pubsub: PubSub;
let dir: string;
const names = uniqueNames('dlq-purge');
const ids: Record<string, string> = {};

async function dlq(args: string[], stdin = '', deps: DlqDeps = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    env: relayEnv(names, dir),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([Buffer.from(stdin)]),
    cwd: dir,
    signal: new AbortController().signal,
  };
  const code = await runDlq(args, io, deps);
  return { code, out: out.join(''), err: err.join('') };
}

const stats = async () => JSON.parse((await dlq(['stats', '--json'])).out);

beforeAll(async () => {
  pubsub = createTestPubSub();
  dir = await mkdtemp(join(tmpdir(), 'dlq-purge-'));
  await provisionForTest(pubsub, names);
  const deadLetters = pubsub.topic(names.deadLetterTopic);
  const put = async (key: string, data: string, attributes: Record<string, string>) => {
    ids[key] = await deadLetters.publishMessage({ data: Buffer.from(data), attributes });
  };
  await put('json-1', '{oops', { finding_relay_reason: 'invalid-json', agent: 'a' });
  await put('json-2', '[]]', { finding_relay_reason: 'invalid-json', agent: 'a' });
  await put('schema-1', JSON.stringify({ ...finding({ id: 'schema-one' }), severity: 'x' }), {
    finding_relay_reason: 'invalid-schema',
  });
  await put('schema-2', JSON.stringify({ ...finding({ id: 'schema-two' }), severity: 'x' }), {
    finding_relay_reason: 'invalid-schema',
  });
  await put('policy', JSON.stringify(finding({ id: 'gave-up' })), {
    CloudPubSubDeadLetterSourceDeliveryCount: '5',
  });
});

afterAll(async () => {
  await pubsub?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dlq purge on the real emulator', () => {
  it('removes exactly what its filters choose, after a yes, and nothing in a dry run or without one', async () => {
    expect((await stats()).total).toBe(5);

    const dry = await dlq(['purge', '--reason', 'invalid-json', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run: would purge 2; nothing was changed');
    expect((await stats()).total).toBe(5);

    const capped = await dlq(['purge', '--all', '--dry-run'], '', { scan: { maxMessages: 2 } });
    expect(capped.out).toContain('dry run: would purge 2; nothing was changed');
    expect(capped.err).toContain('stopped at the scan cap of 2 messages');
    expect(capped.err).toContain('run the command again for the rest');

    const declined = await dlq(['purge', '--reason', 'invalid-json'], '');
    expect(declined.code).toBe(1);
    expect(declined.err).toContain('Purge 2 dead letter(s) (invalid-json 2)');
    expect(declined.err).toContain('not confirmed; nothing was purged');
    expect((await stats()).total).toBe(5);

    const confirmed = await dlq(['purge', '--reason', 'invalid-json'], 'y\n');
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain('purged 2, failed 0');
    expect((await stats()).byReason).toEqual({ 'invalid-schema': 2, 'max-delivery-attempts': 1 });

    // --id matches a finding id or a message id.
    const byId = await dlq(['purge', '--id', 'schema-one', '--id', ids.policy!, '--yes']);
    expect(byId.out).toContain('purged 2, failed 0');
    const left = await stats();
    expect(left).toMatchObject({ total: 1, byReason: { 'invalid-schema': 1 } });
  });

  it('purges by age from the given now only', async () => {
    const none = await dlq(['purge', '--older-than', '1d', '--yes']);
    expect(none.code).toBe(0);
    expect(none.out).toContain('no dead letter matches; nothing was purged');
    expect((await stats()).total).toBe(1);

    const later = Date.now() + 2 * 3_600_000;
    const old = await dlq(['purge', '--older-than', '1h', '--yes'], '', { now: () => later });
    expect(old.out).toContain('purged 1, failed 0');
    expect((await stats()).total).toBe(0);
  });

  it('reports an --id that matches nothing and exits 1', async () => {
    const missing = await dlq(['purge', '--id', 'nope', '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no dead letter matches --id nope');
  });

  it('says plainly when the dead-letter subscription does not exist', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDlq(['stats'], {
      env: relayEnv(uniqueNames('dlq-missing'), dir),
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      stdin: Readable.from([]),
      cwd: dir,
      signal: new AbortController().signal,
    });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(
      /dead-letter subscription .*-dead-letter-inspect not found: run `finding-relay setup` first/,
    );
  });
});
