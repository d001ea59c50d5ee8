import { readFileSync } from 'node:fs';

/** The package's version, from its package.json (two levels up from src/cli and from dist/cli). */
export function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`no version in ${file.pathname}`);
  return version;
}
