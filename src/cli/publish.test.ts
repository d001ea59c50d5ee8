import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testFindingInput } from '../finding/test-findings.js';
import type { MessagePublisher } from '../pubsub/message-publisher.js';
import { type CommandIO, UsageError } from './io.js';
import { runPublish, validateJsonLines } from './publish.js';

const good = (id: string) => JSON.stringify(testFindingInput({ id }));

function harness(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const published: string[] = [];
  const io: CommandIO = {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: Readable.from([Buffer.from(stdin)]),
    cwd: '/nonexistent-dir-for-tests',
    signal: new AbortController().signal,
  };
  const topic: MessagePublisher & { name: string } = {
    name: 'projects/p/topics/findings',
    publishMessage: async (m) => {
      published.push(m.data.toString());
      return String(published.length);
    },
  };
  return { io, topic, out, err, published };
}

describe('validateJsonLines', () => {
  it('numbers lines from 1, skips blank ones, accepts CRLF and a missing final newline', () => {
    const input = Buffer.from(`\n${good('a')}\r\n   \n{oops\n${good('b')}`);
    const { findings, bad } = validateJsonLines(input);
    expect(findings.map((f) => f.id)).toEqual(['a', 'b']);
    expect(bad).toEqual([
      { line: 4, reason: 'invalid-json', detail: expect.stringMatching(/not valid JSON/) },
    ]);
  });

  it('checks each line as UTF-8 on its own', () => {
    const input = Buffer.concat([Buffer.from(`${good('a')}\n`), Buffer.from([0xc3, 0x28, 0x0a])]);
    expect(validateJsonLines(input).bad).toEqual([
      { line: 2, reason: 'invalid-json', detail: 'not valid UTF-8' },
    ]);
  });
});

describe('runPublish', () => {
  it('publishes stdin when no file is named, and says where to', async () => {
    const h = harness(`${good('a')}\n${good('b')}\n`);
    expect(await runPublish([], { io: h.io, topic: h.topic })).toBe(0);
    expect(h.published).toHaveLength(2);
    expect(h.out.join('')).toBe('published 2 finding(s) from <stdin> to projects/p/topics/findings\n');
  });

  it('publishes nothing for empty input and says so', async () => {
    const h = harness('\n\n');
    expect(await runPublish(['-'], { io: h.io, topic: h.topic })).toBe(0);
    expect(h.published).toEqual([]);
    expect(h.out.join('')).toContain('no findings');
  });

  it('exits 1 naming the file when it cannot be read', async () => {
    const h = harness();
    expect(await runPublish(['missing.jsonl'], { io: h.io, topic: h.topic })).toBe(1);
    expect(h.err.join('')).toMatch(/^missing\.jsonl: cannot read: .*ENOENT/);
  });

  it('refuses more than one file and unknown options as usage errors', async () => {
    const h = harness();
    await expect(runPublish(['a', 'b'], { io: h.io, topic: h.topic })).rejects.toBeInstanceOf(UsageError);
    await expect(runPublish(['--topic', 'x'], { io: h.io, topic: h.topic })).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('reports a publish failure with exit 1', async () => {
    const h = harness(`${good('a')}\n`);
    const topic: MessagePublisher = {
      publishMessage: async () => {
        throw new Error('PERMISSION_DENIED');
      },
    };
    expect(await runPublish([], { io: h.io, topic })).toBe(1);
    expect(h.err.join('')).toContain('publishing failed: PERMISSION_DENIED');
  });
});
