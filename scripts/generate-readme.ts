/**
 * Fills the generated sections of README.md: the commands table (from src/cli/commands.ts) and
 * the variables table (from the configuration inventory).
 * Run: npx tsx scripts/generate-readme.ts   (a test fails when the README drifts)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands } from '../src/cli/commands.js';
import { renderVariablesMarkdownTable } from '../src/config/variables-doc.js';
import {
  README_VARIABLES_END,
  README_VARIABLES_START,
  replaceBetweenMarkers,
} from './generate-config-docs.js';

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

export function renderCommandsTable(): string {
  const rows = Object.values(commands).map((c) => [`\`${c.usage.replaceAll('|', '\\|')}\``, c.summary]);
  const widths = [0, 1].map((i) =>
    Math.max(i === 0 ? 'command'.length : 'does'.length, ...rows.map((r) => r[i]!.length)),
  );
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(['command', 'does']), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderReadme(current: string): string {
  const withCommands = replaceBetweenMarkers(
    current,
    '<!-- commands:start -->',
    '<!-- commands:end -->',
    renderCommandsTable(),
  );
  return replaceBetweenMarkers(
    withCommands,
    README_VARIABLES_START,
    README_VARIABLES_END,
    renderVariablesMarkdownTable(),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README_PATH, renderReadme(readFileSync(README_PATH, 'utf8')));
  console.log('wrote README.md');
}
