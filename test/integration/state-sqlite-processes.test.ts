import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteRelayState } from '../../src/state/sqlite-relay-state.js';
import { describeStateProcesses } from '../support/state-processes.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describeStateProcesses({
  name: 'sqlite',
  fresh: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'state-sqlite-procs-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    return { uri: `sqlite://${path}`, env: {}, open: () => openSqliteRelayState(path) };
  },
});
