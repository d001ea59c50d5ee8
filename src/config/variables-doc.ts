import { describeKind, GENERATOR_COMMAND } from './describe.js';
import { INVENTORY } from './inventory.js';
import { BOOLEAN_SPELLINGS } from './value-types.js';

/**
 * The variable reference as one markdown table: variable, default, secret, description. Columns
 * are padded the way Biome formats markdown tables, so formatting never makes the docs drift.
 */
export function renderVariablesMarkdownTable(): string {
  const rows = INVENTORY.map((spec) => [
    spec.honoured ? `\`${spec.name}\` (honoured)` : `\`${spec.name}\``,
    spec.default === spec.example ? `\`${spec.default}\`` : cell(spec.default),
    spec.secret ? 'yes' : 'no',
    cell(`${spec.description} Accepts ${describeKind(spec.kind)}.`),
  ]);
  const header = ['variable', 'default', 'secret', 'description'];
  const widths = header.map((title, i) => Math.max(3, title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((text, i) => text.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** docs/variables.md. */
export function renderVariablesDoc(): string {
  return [
    '# Configuration variables',
    '',
    `<!-- Generated from src/config/inventory.ts by \`${GENERATOR_COMMAND}\`; do not edit. -->`,
    '',
    `Booleans accept ${BOOLEAN_SPELLINGS.join('/')} in any case; an empty value means unset.`,
    'A bad value, or an unknown `DEPLOYMENT_ENV`, is a configuration error: the worker refuses to',
    'start and names every bad variable at once, and `finding-relay check` reports it as',
    '`MISCONFIGURED`. A bad value never loosens anything: it counts as its fail-closed default',
    '(switches off, `DRY_RUN` on, an unknown `DEPLOYMENT_ENV` as `prod`). Secrets are never shown.',
    '"(honoured)" marks a variable outside the contract that a client library reads anyway.',
    '',
    renderVariablesMarkdownTable(),
    '',
  ].join('\n');
}

/** Escapes what would break a table cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('*', '\\*').replaceAll('\n', ' ');
}
