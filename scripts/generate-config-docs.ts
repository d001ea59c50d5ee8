/**
 * Writes .env.example and docs/variables.md from src/config/inventory.ts.
 * Run: npx tsx scripts/generate-config-docs.ts   (a test fails when either file drifts)
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEnvExample } from '../src/config/env-example.js';
import { renderVariablesDoc, renderVariablesMarkdownTable } from '../src/config/variables-doc.js';

export { renderEnvExample, renderVariablesDoc, renderVariablesMarkdownTable };

export const README_VARIABLES_START = '<!-- variables:start -->';
export const README_VARIABLES_END = '<!-- variables:end -->';

/** Generated files, by path relative to the repository root. */
export function renderConfigDocs(): Readonly<Record<string, string>> {
  return { '.env.example': renderEnvExample(), 'docs/variables.md': renderVariablesDoc() };
}

/**
 * Replaces what lies between the `start` and `end` marker lines (kept) with `replacement`.
 * Throws when a marker is missing, repeated or out of order, so a broken README is noticed.
 */
export function replaceBetweenMarkers(text: string, start: string, end: string, replacement: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`markers ${start} and ${end} must both be present`);
  if (text.indexOf(start, from + 1) !== -1 || text.indexOf(end, to + 1) !== -1) {
    throw new Error(`markers ${start} and ${end} must each appear once`);
  }
  if (to < from) throw new Error(`marker ${end} comes before ${start}`);
  return `${text.slice(0, from + start.length)}\n${replacement.replace(/\n+$/, '')}\n${text.slice(to)}`;
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const [relativePath, content] of Object.entries(renderConfigDocs())) {
    writeFileSync(`${root}${relativePath}`, content);
    console.log(`wrote ${relativePath}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
