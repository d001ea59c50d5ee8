import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRelayStateContract, request } from './relay-state-contract.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { openSqliteRelayState } from './sqlite-relay-state.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from './sqlite-schema.js';
import { StoreUnavailableError } from './store.js';
import { describeStateStoreContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'sqlite-relay-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(root, `n${++files}`, 'state.db');

// The outage: the database file moved away (and back), which sqlite alone would not notice.
describeRelayStateContract('sqlite', async () => {
  const path = freshPath();
  const state = await openSqliteRelayState(path);
  let moved = false;
  return {
    state,
    setUnavailable: (on) => {
      if (on !== moved) renameSync(on ? path : `${path}.away`, on ? `${path}.away` : path);
      moved = on;
    },
  };
});

describeStateStoreContract('sqlite kv', async () => (await openSqliteRelayState(freshPath())).kv);

describe('sqlite relay state', () => {
  it('names its file as a sqlite:// location, and creates the directory', async () => {
    const path = freshPath();
    const state = await openSqliteRelayState(path);
    expect(state.location).toBe(`sqlite://${path}`);
    expect(state.backend).toBe('sqlite');
    const db = new DatabaseSync(path);
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
    await state.close();
  });

  it('keeps its data across a reopen', async () => {
    const path = freshPath();
    const first = await openSqliteRelayState(path);
    await first.enqueue([request('e1')], 1);
    const { generation } = await first.kv.createIfAbsent('idx/a', 'v1');
    await first.close();
    await expect(first.outboxStats()).rejects.toBeInstanceOf(StoreUnavailableError);

    const second = await openSqliteRelayState(path);
    expect(await second.enqueue([request('e1')], 2)).toEqual([{ status: 'already', state: 'queued' }]);
    const next = await second.kv.compareAndSwap('idx/a', generation, 'v2');
    expect(BigInt(next.generation)).toBeGreaterThan(BigInt(generation));
    await second.close();
  });

  it('migrates an empty file and an older schema, keeping the rows', async () => {
    const empty = freshPath();
    const conn = await openSqliteConnection(empty);
    expect(schemaVersion(conn.db)).toBe(0);
    await conn.write('test', () => migrate(conn.db, 1)); // a file written by the first version
    conn.db.prepare("INSERT INTO leases VALUES ('L', 'old', 9e15)").run();
    conn.db
      .prepare(`INSERT INTO deliveries (event_id, channel, target, fingerprint, priority, enqueued_at, due_at, state)
                VALUES ('old', 'github', 't', 'f', 0, 7, 7, 'queued')`)
      .run();
    conn.close();

    const state = await openSqliteRelayState(empty);
    expect(await state.outboxStats()).toContainEqual({ channel: 'github', items: 1, oldestEnqueuedAt: 7 });
    await state.complete([{ eventId: 'old', channel: 'github', kind: 'done', outcome: { kind: 'sent' } }], 8);
    expect(await state.outboxStats()).toContainEqual({
      channel: 'github',
      items: 0,
      oldestEnqueuedAt: undefined,
    });
    expect((await state.takeDue({ name: 'L', holder: 'new', ttlMs: 1 }, 't', 1, 0)).leased).toBe(false);
    expect(await state.kv.createIfAbsent('k', 'v')).toMatchObject({ generation: '1' });
    await state.close();
  });

  it("keeps an event's shared value once, until none of its channels is queued", async () => {
    const path = freshPath();
    const state = await openSqliteRelayState(path);
    const shared = { finding: { id: 'e1' }, message: { data: 'x'.repeat(2_000) } };
    await state.enqueue(
      [
        request('e1', { payload: { d: 'slack' }, shared }),
        request('e1', { channel: 'github', target: 'github:t', payload: { d: 'github' }, shared }),
      ],
      1,
    );
    const db = new DatabaseSync(path, { readOnly: true });
    const rows = () =>
      db.prepare('SELECT event_id, length(body) AS bytes FROM payloads').all() as Array<{ bytes: number }>;
    const payloadBytes = () =>
      (db.prepare('SELECT sum(length(payload)) AS n FROM deliveries').get() as { n: number }).n;
    expect(rows()).toEqual([{ event_id: 'e1', bytes: JSON.stringify(shared).length }]);
    expect(payloadBytes()).toBeLessThan(60); // the channels' own parts only
    await state.complete([{ eventId: 'e1', channel: 'slack', kind: 'done', outcome: { kind: 'sent' } }], 2);
    expect(rows()).toHaveLength(1); // github still needs it
    await state.complete([{ eventId: 'e1', channel: 'github', kind: 'retry', dueAt: 5, cause: 'busy' }], 3);
    expect(rows()).toHaveLength(1);
    await state.complete([{ eventId: 'e1', channel: 'github', kind: 'done', outcome: { kind: 'sent' } }], 6);
    expect(rows()).toEqual([]);
    db.close();
    await state.close();
  });

  it('refuses a file from a newer version, and a file that is not a database', async () => {
    const newer = freshPath();
    (await openSqliteRelayState(newer)).close();
    const db = new DatabaseSync(newer);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(openSqliteRelayState(newer)).rejects.toThrow(/newer than this relay/);

    const garbage = join(root, 'garbage.db');
    writeFileSync(garbage, 'x'.repeat(4096));
    const error = await openSqliteRelayState(garbage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(`sqlite://${garbage}`);
  });

  it('waits for a busy file asynchronously, then gives up with StoreUnavailableError', async () => {
    const path = freshPath();
    const state = await openSqliteRelayState(path, { busyRetryMs: 300 });
    const blocker = new DatabaseSync(path);
    blocker.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const error = await state.enqueue([request('e')], 0).catch((e: unknown) => e);
    clearInterval(timer);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/still locked after 300 ms/);
    expect(ticks).toBeGreaterThan(10); // the event loop kept running while it waited

    const waiting = state.enqueue([request('e')], 0);
    setTimeout(() => blocker.exec('COMMIT'), 50);
    expect(await waiting).toEqual([{ status: 'queued' }]);
    blocker.close();
    await state.close();
  });

  it('reports a deleted database file instead of writing into it', async () => {
    const path = freshPath();
    const state = await openSqliteRelayState(path);
    rmSync(path);
    const error = await state.enqueue([request('e')], 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe(
      `sqlite://${path}: enqueue failed: the database file is gone or was replaced`,
    );
    await state.close();
  });

  it('enqueues 500 requests in one transaction', async () => {
    const state = await openSqliteRelayState(freshPath());
    const requests = Array.from({ length: 500 }, (_, i) => request(`big-${i}`, { priority: i % 5 }));
    const results = await state.enqueue(requests, 1);
    expect(results.every((r) => r.status === 'queued')).toBe(true);
    expect(await state.outboxStats()).toContainEqual({ channel: 'slack', items: 500, oldestEnqueuedAt: 1 });
    await state.close();
  });
});
