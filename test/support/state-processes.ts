import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayState } from '../../src/state/relay-state.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const openModule = join(repoRoot, 'src/state/open-relay-state.ts');

/**
 * One relay state that several processes share: the STATE_URI they open it by (through
 * open-relay-state, as a worker does), the environment they need for it, and a way for the test
 * process to open it too.
 */
export interface SharedState {
  readonly uri: string;
  readonly env: Record<string, string>;
  open(): Promise<RelayState>;
}

export interface StateBackend {
  /** Label in test names and figures: `sqlite`, `firestore`. */
  readonly name: string;
  /** A fresh, empty state (a new file, a new Firestore project). */
  fresh(): Promise<SharedState>;
}

/**
 * One enqueuer (argv: STATE_URI, module, keys, batch size, first batch): waits for "go", enqueues
 * every key in batches, starting at its own batch so the processes collide on every key, while a
 * 1 ms timer watches how long its event loop is ever stopped (the call's own commit, any wait for
 * a lock or a conflict retry, and CPU contention). Prints the keys it won and timings.
 */
const ENQUEUER = `
const [uri, mod, keys, batch, first] = process.argv.slice(1).map((a, i) => (i < 2 ? a : Number(a)));
const { openRelayState } = await import(mod);
const state = await openRelayState(uri, { cwd: process.cwd(), env: process.env });
// One call before the clock starts: a Firestore client loads its gRPC stack on its first call.
await state.outboxStats();
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
process.exit(0);
`;

/**
 * A dispatcher (argv: STATE_URI, module, holder, ttl ms, give up after ms): takes the lease "L"
 * as soon as it can, says "leased <epoch ms>", then renews it every ttl/4 until killed, or exits
 * by itself (0) after "give up" ms. A taker ("--once") exits as soon as it holds the lease.
 */
const DISPATCHER = `
const [uri, mod, holder, ttl, giveUp, once] = process.argv.slice(1);
const { openRelayState } = await import(mod);
const state = await openRelayState(uri, { cwd: process.cwd(), env: process.env });
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
process.exit(0);
`;

const children: ChildProcess[] = [];

function startChild(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
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

/**
 * The multi-process tests of a state backend: 4 processes enqueueing the same 5,000 keys (each
 * key won by exactly one), and a SIGKILLed dispatcher's lease taken over by another process once
 * its ttl has passed. Figures are printed as `[<backend> 4 processes]` and `[<backend> lease]`.
 */
export function describeStateProcesses(
  backend: StateBackend,
  opts: {
    timeoutMs?: number;
    /** The lease's ttl in the takeover test (renewed every quarter of it); default 1 s. */
    leaseTtlMs?: number;
  } = {},
): void {
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  describe(`${backend.name} relay state shared by several processes`, () => {
    it(
      'gives each of 5,000 keys to exactly one of 4 processes enqueueing batches of 500',
      async () => {
        const shared = await backend.fresh(); // sqlite: a new file, the children also race to create the schema
        const procs = [0, 3, 5, 8].map((first) =>
          startChild(ENQUEUER, [shared.uri, openModule, '5000', '500', `${first}`], shared.env),
        );
        await Promise.all(procs.map((p) => p.line(/^ready$/)));
        for (const p of procs) p.go();
        const reports = (await Promise.all(procs.map((p) => p.result()))).map(
          (text) =>
            JSON.parse(text) as { won: number[]; maxStallMs: number; maxCallMs: number; elapsedMs: number },
        );

        const won = reports.flatMap((r) => r.won).sort((a, b) => a - b);
        expect(won).toEqual(Array.from({ length: 5000 }, (_, i) => i));
        const state = await shared.open();
        expect(await state.outboxStats()).toContainEqual({
          channel: 'slack',
          items: 5000,
          oldestEnqueuedAt: expect.any(Number),
        });
        await state.close();
        const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
        console.info(
          `[${backend.name} 4 processes] longest event-loop stall ${fmt(reports.map((r) => r.maxStallMs))} ms, ` +
            `longest enqueue(500) ${fmt(reports.map((r) => r.maxCallMs))} ms, each done in ${fmt(reports.map((r) => r.elapsedMs))} ms`,
        );
      },
      opts.timeoutMs,
    );

    it(
      "hands a SIGKILLed holder's lease to another process once its ttl has passed",
      async () => {
        const shared = await backend.fresh();
        await (await shared.open()).close();
        const ttl = opts.leaseTtlMs ?? 1000;
        const holder = startChild(DISPATCHER, [shared.uri, openModule, 'a', `${ttl}`, '30000'], shared.env);
        await holder.line(/^leased /);
        const taker = startChild(
          DISPATCHER,
          [shared.uri, openModule, 'b', `${ttl}`, '30000', 'once'],
          shared.env,
        );
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
          `[${backend.name} lease] taken over ${takenAt - killedAt} ms after the holder was killed (ttl ${ttl} ms)`,
        );
      },
      opts.timeoutMs,
    );
  });
}
