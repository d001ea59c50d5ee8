import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium package, used when it is installed. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

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

const HOW_TO_GET_ONE =
  'The status page browser test needs a Chromium: `npm install` brings one for Linux x64 (the devDependency ' +
  "@sparticuz/chromium); elsewhere install Debian's (`sudo apt-get install -y chromium`, giving /usr/bin/chromium).";

/**
 * The Chromium the browser tests drive: Debian's when present, else the headless shell packed
 * (brotli, Linux x64) inside the @sparticuz/chromium devDependency, unpacked once per version into
 * the temp directory. Nothing is downloaded: the binary came with `npm install` from the registry.
 */
export async function chromiumExecutable(): Promise<string> {
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : await npmChromium();
}

/** The headless shell from the @sparticuz/chromium devDependency, unpacked (see chromiumExecutable). */
export async function npmChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `No chromium at ${DEBIAN_CHROMIUM}, and the npm one is for Linux x64 only. ${HOW_TO_GET_ONE}`,
    );
  }
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('@sparticuz/chromium'));
  } catch {
    throw new Error(
      `No chromium at ${DEBIAN_CHROMIUM}, and @sparticuz/chromium is not installed. ${HOW_TO_GET_ONE}`,
    );
  }
  const packageRoot = join(entry, '..', '..');
  const packed = join(packageRoot, 'bin', 'chromium.br');
  if (!existsSync(packed)) {
    throw new Error(`${packed} is missing (has @sparticuz/chromium changed its layout?). ${HOW_TO_GET_ONE}`);
  }
  const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(tmpdir(), `finding-relay-chromium-${version}`);
  const executable = join(dir, 'chromium');
  if (existsSync(executable)) return executable;
  await mkdir(dir, { recursive: true });
  // Unpack beside the target and rename: a concurrent or interrupted unpack never leaves half a binary.
  const partial = `${executable}.${process.pid}.partial`;
  try {
    await pipeline(createReadStream(packed), createBrotliDecompress(), createWriteStream(partial));
    await chmod(partial, 0o755);
    await rename(partial, executable);
  } finally {
    await rm(partial, { force: true });
  }
  return executable;
}

export interface HeadlessChromium {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts chromium headless with a fresh profile (--user-data-dir, via a persistent context).
 * Fails, never skips, when no chromium can be had: the status page test is part of the suite.
 */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<HeadlessChromium> {
  const executablePath = await chromiumExecutable();
  const profile = await mkdtemp(join(tmpdir(), 'relay-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      viewport,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(`Could not start ${executablePath}: ${(err as Error).message}\n${HOW_TO_GET_ONE}`);
  }
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
