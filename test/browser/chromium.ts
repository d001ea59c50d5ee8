import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium package; playwright-core drives it (no browser download). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Quiet, offline, headless: nothing but the page under test talks to the network. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface HeadlessChromium {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts Debian's chromium headless with a fresh profile (--user-data-dir, via a persistent
 * context). Fails, never skips, when chromium is missing: the status page test is part of the suite.
 */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<HeadlessChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: the status page browser test needs Debian's chromium. Install it with \`sudo apt-get install -y chromium\`.`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'relay-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
