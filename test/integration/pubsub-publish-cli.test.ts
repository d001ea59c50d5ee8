import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { defaultFingerprint } from '@finding-relay/publisher';
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/io.js';
import { runPublish } from '../../src/cli/publish.js';
import { testFindingInput } from '../../src/finding/test-findings.js';
import { createTestPubSub, receiveMessages, uniqueNames } from '../support/pubsub-fixtures.js';

let pubsub: PubSub;
let dir: string;
beforeAll(async () => {
  pubsub = createTestPubSub();
  dir = await mkdtemp(join(tmpdir(), 'publish-cli-'));
});
afterAll(async () => {
  await pubsub.close();
  await rm(dir, { recursive: true, force: true });
});

/** The dependency finding these tests publish; `extra` is spread over it unchecked (it may make it invalid). */
function finding(id: string, extra: Record<string, unknown> = {}) {
  return {
    ...testFindingInput({
      id,
      source: { agent: 'dep-scanner' },
      severity: 'high',
      title: `Vulnerable dependency ${id}`,
      repo: 'acme/api',
    }),
    ...extra,
  };
}

function testIO(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([Buffer.from(stdin)]),
    cwd: dir,
    signal: new AbortController().signal,
  };
  return { io, out, err };
}

async function topicWithSubscription(prefix: string) {
  const names = uniqueNames(prefix);
  const [topic] = await pubsub.createTopic(names.findingsTopic);
  await topic.createSubscription(names.findingsSubscription);
  return { names, topic };
}

describe('publish command', () => {
  it('publishes nothing when one line is bad, and names the file, line, reason and detail', async () => {
    const { names, topic } = await topicWithSubscription('cli-bad');
    const lines = [
      JSON.stringify(finding('ok-1')),
      '',
      JSON.stringify(finding('bad-severity', { severity: 'urgent' })),
      '{not json',
      JSON.stringify(finding('ok-2')),
    ];
    await writeFile(join(dir, 'bad.jsonl'), `${lines.join('\n')}\n`);
    const { io, out, err } = testIO();

    expect(await runPublish(['bad.jsonl'], { io, topic })).toBe(1);
    const report = err.join('');
    expect(report).toMatch(/^bad\.jsonl:3: invalid-schema: .*severity/m);
    expect(report).toMatch(/^bad\.jsonl:4: invalid-json: /m);
    expect(report).not.toMatch(/:1:|:5:/);
    expect(report).toContain('nothing was published');
    expect(out.join('')).toBe('');

    // Nothing of the file was sent: a marker published now is the first and only message.
    await topic.publishMessage({ data: Buffer.from('marker') });
    const received = await receiveMessages(pubsub, names.findingsSubscription, { count: 1 });
    expect(received.map((m) => m.data.toString())).toEqual(['marker']);
  });

  it('publishes every finding of a good file with its attributes and resolved fingerprint', async () => {
    const { names, topic } = await topicWithSubscription('cli-good');
    const input = [
      finding('g-1'),
      finding('g-2', { fingerprint: 'custom-fp', severity: 'low' }),
      finding('g-3'),
    ];
    await writeFile(join(dir, 'good.jsonl'), `${input.map((f) => JSON.stringify(f)).join('\r\n')}\r\n\n`);
    const { io, out, err } = testIO();

    expect(await runPublish(['good.jsonl'], { io, topic })).toBe(0);
    expect(err.join('')).toBe('');
    expect(out.join('')).toContain('published 3 finding(s) from good.jsonl');

    const received = await receiveMessages(pubsub, names.findingsSubscription, { count: 3 });
    const byId = new Map(received.map((m) => [JSON.parse(m.data.toString()).id as string, m]));
    expect([...byId.keys()].sort()).toEqual(['g-1', 'g-2', 'g-3']);
    const g1 = byId.get('g-1');
    const expectedFp = defaultFingerprint('dep-scanner', 'acme/api', 'Vulnerable dependency g-1');
    expect(g1?.attributes).toEqual({
      severity: 'high',
      agent: 'dep-scanner',
      fingerprint: expectedFp,
      schemaVersion: '1',
    });
    expect(JSON.parse(g1?.data.toString() ?? '{}')).toEqual({ ...finding('g-1'), fingerprint: expectedFp });
    expect(byId.get('g-2')?.attributes).toMatchObject({ severity: 'low', fingerprint: 'custom-fp' });
  });

  it('reads stdin for - and reports a bad line as <stdin>:LINE', async () => {
    const { topic } = await topicWithSubscription('cli-stdin');
    const { io, err } = testIO(
      `${JSON.stringify(finding('s-1'))}\n${JSON.stringify({ schemaVersion: 1 })}\n`,
    );
    expect(await runPublish(['-'], { io, topic })).toBe(1);
    expect(err.join('')).toMatch(/^<stdin>:2: invalid-schema: /m);
  });
});
