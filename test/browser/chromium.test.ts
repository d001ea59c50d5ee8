import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chromiumExecutable, DEBIAN_CHROMIUM, npmChromium } from './chromium.js';

const run = promisify(execFile);

describe('the browser the tests drive', () => {
  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'comes with npm install: the packed headless shell unpacks and runs here',
    async () => {
      const path = await npmChromium();
      expect(path).not.toBe(DEBIAN_CHROMIUM);
      const { stdout } = await run(path, ['--version']);
      expect(stdout).toMatch(/^Chromium \d+\./);
      expect(await npmChromium()).toBe(path); // unpacked once per version
    },
  );

  it("is Debian's chromium when installed, else the npm one", async () => {
    const path = await chromiumExecutable();
    expect(path).toBe(existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : await npmChromium());
  });
});
