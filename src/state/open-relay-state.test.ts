import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRelayState } from './open-relay-state.js';

const root = mkdtempSync(join(tmpdir(), 'open-relay-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openRelayState', () => {
  it('opens a relative sqlite uri under the working directory', async () => {
    const state = await openRelayState('sqlite://./nested/state.db', { cwd: root });
    expect(state.backend).toBe('sqlite');
    expect(state.location).toBe(`sqlite://${join(root, 'nested/state.db')}`);
    await state.close();
  });

  it('opens firestore:// (the client connects on its first call)', async () => {
    const state = await openRelayState('firestore://my-project/relay-state', { cwd: root });
    expect(state.backend).toBe('firestore');
    expect(state.location).toBe('firestore://my-project/relay-state');
    await state.close();
    const own = await openRelayState('firestore://-/(default)', { cwd: root });
    expect(own.location).toBe('firestore://-/(default)');
    await own.close();
  });

  it('refuses an invalid uri', async () => {
    await expect(openRelayState('mysql://x', { cwd: root })).rejects.toBeInstanceOf(TypeError);
  });
});
