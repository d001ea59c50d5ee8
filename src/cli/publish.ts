import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseFindingBytes } from '../finding/parse.js';
import type { Finding } from '../finding/schema.js';
import type { MessagePublisher } from '../pubsub/message-publisher.js';
import { publishFindings } from '../pubsub/publish-findings.js';
import { parseCommandArgs } from './args.js';
import { type CommandIO, UsageError } from './io.js';

export interface PublishDeps {
  readonly io: CommandIO;
  /** The findings topic (the client's Topic fits). */
  readonly topic: MessagePublisher & { readonly name?: string };
}

export interface BadLine {
  readonly line: number;
  readonly reason: string;
  readonly detail: string;
}

export async function runPublish(args: readonly string[], deps: PublishDeps): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, true);
  if (positionals.length > 1) throw new UsageError(`publish takes one FILE or -, got ${positionals.length}`);
  const source = positionals[0] ?? '-';
  const label = source === '-' ? '<stdin>' : source;
  const { io } = deps;

  let input: Buffer;
  try {
    input = source === '-' ? await readAll(io.stdin) : await readFile(resolve(io.cwd, source));
  } catch (error) {
    io.stderr(`${label}: cannot read: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  const { findings, bad } = validateJsonLines(input);
  if (bad.length > 0) {
    for (const b of bad) io.stderr(`${label}:${b.line}: ${b.reason}: ${b.detail}\n`);
    io.stderr(`${label}: ${bad.length} invalid line(s); nothing was published\n`);
    return 1;
  }
  if (findings.length === 0) {
    io.stdout(`${label}: no findings; nothing was published\n`);
    return 0;
  }
  try {
    await publishFindings(deps.topic, findings);
  } catch (error) {
    io.stderr(
      `${label}: publishing failed: ${error instanceof Error ? error.message : String(error)}\n` +
        'Some findings may have been published; publishing the file again is safe (event ids dedupe).\n',
    );
    return 1;
  }
  const topic = deps.topic.name ? ` to ${deps.topic.name}` : '';
  io.stdout(`published ${findings.length} finding(s) from ${label}${topic}\n`);
  return 0;
}

/** Validates every non-blank line (1-based numbers); a trailing CR is ignored. */
export function validateJsonLines(input: Buffer): { findings: Finding[]; bad: BadLine[] } {
  const findings: Finding[] = [];
  const bad: BadLine[] = [];
  let start = 0;
  let line = 0;
  while (start <= input.length) {
    line++;
    const newline = input.indexOf(0x0a, start);
    const end = newline === -1 ? input.length : newline;
    let bytes = input.subarray(start, end);
    if (bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    if (!isBlank(bytes)) {
      const parsed = parseFindingBytes(bytes);
      if (parsed.ok) findings.push(parsed.finding);
      else bad.push({ line, reason: parsed.reason, detail: parsed.detail });
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  return { findings, bad };
}

function isBlank(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0x20 || b === 0x09);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
