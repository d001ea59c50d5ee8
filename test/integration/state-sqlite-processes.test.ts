import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteRelayState } from '../../src/state/sqlite-relay-state.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const stateModule = join(repoRoot, 'src/state/sqlite-relay-state.ts');

/**
 * One enqueuer (argv: db path, module, keys, batch size, first batch): waits for "go", enqueues
 * every key in batches, starting at its own batch so the processes collide on every key, while a
 * 1 ms timer watches how long its event loop is ever stopped (the call's own transaction, any
 * wait inside sqlite's busy_timeout, and CPU contention). Prints the keys it won and timings.
 */
const ENQUEUER = `
const [path, mod, keys, batch, first] = process.argv.slice(1).map((a, i) => (i < 2 ? a : Number(a)));
const { openSqliteRelayState } = await import(mod);
const state = await openSqliteRelayState(path);
process.stdout.write('ready\\n');
await new Promise((go) => process.stdin.once('data', go));
let last = performance.now();
let maxStallMs = 0;
const probe = setInterval(() => {
  const now = performance.now();
  maxStallMs = Math.max(maxStallMs, now - last);
  last = now;
}, 1);
const won = [];
const callMs = [];
const batches = keys / batch;
const started = performance.now();
for (let b = 0; b < batches; b++) {
  const from = ((b + first) % batches) * batch;
  const requests = Array.from({ length: batch }, (_, i) => ({
    eventId: 'e' + (from + i), channel: 'slack', target: 'slack:t', fingerprint: 'f' + (from + i),
    priority: 1, payload: { finding: { id: from + i, title: 'x'.repeat(200) } },
  }));
  const t = performance.now();
  const results = await state.enqueue(requests, Date.now());
  callMs.push(performance.now() - t);
  await new Promise((r) => setImmediate(r)); // a worker does I/O between micro-batches
  results.forEach((r, i) => r.status === 'queued' && won.push(from + i));
}
const elapsedMs = performance.now() - started;
maxStallMs = Math.max(maxStallMs, performance.now() - last);
clearInterval(probe);
await state.close();
process.stdout.write(JSON.stringify({ won, maxStallMs, maxCallMs: Math.max(...callMs), elapsedMs }) + '\\n');
`;

/**
 * A dispatcher (argv: db path, module, holder, ttl ms, give up after ms): takes the lease "L"
 * as soon as it can, says "leased <epoch ms>", then renews it every ttl/4 until killed, or exits
 * by itself (0) after "give up" ms. A taker ("--once") exits as soon as it holds the lease.
 */
const DISPATCHER = `
const [path, mod, holder, ttl, giveUp, once] = process.argv.slice(1);
const { openSqliteRelayState } = await import(mod);
const state = await openSqliteRelayState(path);
const lease = { name: 'L', holder, ttlMs: Number(ttl) };
setTimeout(() => process.exit(0), Number(giveUp)).unref();
process.stdout.write('ready\\n');
for (let reported = false; ; ) {
  const { leased } = await state.takeDue(lease, 'slack:t', 10, Date.now());
  if (leased && !reported) {
    reported = true;
    process.stdout.write('leased ' + Date.now() + '\\n');
    if (once) break;
  }
  await new Promise((r) => setTimeout(r, leased ? Number(ttl) / 4 : 20));
}
await state.close();
`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function startChild(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const lines: ((line: string) => void)[] = [];
  child.stdout!.on('data', (c: Buffer) => {
    out += c;
    for (const waiter of lines.splice(0)) waiter(out);
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c;
  });
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  /** Resolves with the first stdout line matching `pattern`; rejects if the child exits first. */
  const line = (pattern: RegExp) =>
    new Promise<string>((ok, fail) => {
      const check = (text: string) => {
        const found = text.split('\n').find((l) => pattern.test(l));
        if (found) ok(found);
        else lines.push(check);
      };
      check(out);
      void exited.then(() => fail(new Error(`child exited before ${pattern}: ${err}`)));
    });
  /** The line after "ready", once the child exited 0. */
  const result = async () => {
    const code = await exited;
    if (code !== 0) throw new Error(`child exited ${code}: ${err}`);
    return out.split('\n')[1]!;
  };
  return { child, line, exited, result, go: () => child.stdin!.end('go\n') };
}

async function tempDb() {
  const dir = await mkdtemp(join(tmpdir(), 'state-sqlite-procs-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

describe('sqlite relay state shared by several processes', () => {
  it('gives each of 5,000 keys to exactly one of 4 processes enqueueing batches of 500', async () => {
    const path = await tempDb(); // a new file: the children also race to create the schema
    const procs = [0, 3, 5, 8].map((first) =>
      startChild(ENQUEUER, [path, stateModule, '5000', '500', `${first}`]),
    );
    await Promise.all(procs.map((p) => p.line(/^ready$/)));
    for (const p of procs) p.go();
    const reports = (await Promise.all(procs.map((p) => p.result()))).map(
      (text) =>
        JSON.parse(text) as { won: number[]; maxStallMs: number; maxCallMs: number; elapsedMs: number },
    );

    const won = reports.flatMap((r) => r.won).sort((a, b) => a - b);
    expect(won).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    const state = await openSqliteRelayState(path);
    expect(await state.outboxStats()).toContainEqual({
      channel: 'slack',
      items: 5000,
      oldestEnqueuedAt: expect.any(Number),
    });
    await state.close();
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    console.info(
      `[sqlite 4 processes] longest event-loop stall ${fmt(reports.map((r) => r.maxStallMs))} ms, ` +
        `longest enqueue(500) ${fmt(reports.map((r) => r.maxCallMs))} ms, each done in ${fmt(reports.map((r) => r.elapsedMs))} ms`,
    );
  });

  it("hands a SIGKILLed holder's lease to another process once its ttl has passed", async () => {
    const path = await tempDb();
    await (await openSqliteRelayState(path)).close();
    const ttl = 1000;
    const holder = startChild(DISPATCHER, [path, stateModule, 'a', `${ttl}`, '30000']);
    await holder.line(/^leased /);
    const taker = startChild(DISPATCHER, [path, stateModule, 'b', `${ttl}`, '30000', 'once']);
    await taker.line(/^ready$/);
    await new Promise((r) => setTimeout(r, ttl)); // a live holder keeps it past one ttl
    expect(taker.child.exitCode).toBeNull();

    holder.child.kill('SIGKILL');
    const killedAt = Date.now();
    const takenAt = Number((await taker.line(/^leased /)).split(' ')[1]);
    expect(await taker.exited).toBe(0);
    // Not before the kill (the holder renewed it), and after at most the ttl left on its last renewal.
    expect(takenAt).toBeGreaterThanOrEqual(killedAt);
    console.info(
      `[sqlite lease] taken over ${takenAt - killedAt} ms after the holder was killed (ttl ${ttl} ms)`,
    );
  });
});
