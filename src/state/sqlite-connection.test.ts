import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from './relay-state-contract.js';
import { committedTransactions, openSqliteConnection } from './sqlite-connection.js';
import { openSqliteRelayState } from './sqlite-relay-state.js';

const root = mkdtempSync(join(tmpdir(), 'sqlite-connection-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const delta = (before: Record<string, number>) => {
  const after = committedTransactions();
  return Object.fromEntries(
    Object.entries(after)
      .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
};

describe('committed transaction counts (the bench: state transactions per finding)', () => {
  it('counts one per committed call, by operation; a whole micro-batch is one enqueue', async () => {
    const state = await openSqliteRelayState(join(root, 'a', 'state.db'));
    const before = committedTransactions();
    await state.enqueue([request('e1'), request('e2'), request('e3')], 1_000);
    await state.takeDue({ name: 'slack:hook', holder: 'w', ttlMs: 30_000 }, 'slack:hook', 10, 1_000);
    await state.outboxStats();
    await state.kv.read('state/x');
    expect(delta(before)).toEqual({ enqueue: 1, takeDue: 1, outboxStats: 1, read: 1 });
    await state.close();
  });

  it('does not count a rolled-back transaction', async () => {
    const conn = await openSqliteConnection(join(root, 'b', 'state.db'));
    const before = committedTransactions();
    await expect(
      conn.write('failing', () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await conn.write('fine', () => 1);
    expect(delta(before)).toEqual({ fine: 1 });
    conn.close();
  });
});
