import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { startPubSubEmulator } from '../support/pubsub-emulator.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of emulator processes started with `--port=PORT` (so a failed start can be shown to leave none). */
function emulatorsOnPort(port: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('pubsub-emulator') && cmdline.includes(`--port=${port}\0`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('startPubSubEmulator', () => {
  it('starts an emulator that answers on its host, and stop() ends its process', async () => {
    const emulator = await startPubSubEmulator();
    try {
      expect(emulator.host).toMatch(/^127\.0\.0\.1:\d+$/);
      const response = await fetch(`http://${emulator.host}/`);
      expect(response.status).toBe(200);
      expect((await response.text()).trim()).toBe('Ok');
      expect(isAlive(emulator.pid)).toBe(true);
      expect(readFileSync(emulator.logFile, 'utf8')).toContain(`listening on ${emulator.port}`);
    } finally {
      await emulator.stop();
    }
    expect(isAlive(emulator.pid)).toBe(false);
    expect(emulatorsOnPort(emulator.port)).toEqual([]);
    await emulator.stop(); // a second stop is harmless
  });

  it('retries on another port when the first one is taken, leaving no process on the taken port', async () => {
    const taken = await freePort();
    const blocker = await occupy(taken);
    let picks = 0;
    try {
      const emulator = await startPubSubEmulator({
        pickPort: async () => (++picks === 1 ? taken : freePort()),
      });
      try {
        expect(picks).toBe(2);
        expect(emulator.port).not.toBe(taken);
        expect((await fetch(`http://${emulator.host}/`)).status).toBe(200);
      } finally {
        await emulator.stop();
      }
      expect(emulatorsOnPort(taken)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
