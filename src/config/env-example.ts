import { CONCERN_TITLES, describeKind, GENERATOR_COMMAND } from './describe.js';
import { INVENTORY, type VariableSpec } from './inventory.js';
import { PROMOTION_BLOCKS, type PromotionBlock } from './promotion-blocks.js';
import type { ConfigConcern } from './types.js';

const WIDTH = 96;
const RULE = `# ${'='.repeat(WIDTH - 2)}`;

const HEADER = [
  '# finding-relay configuration: every variable it reads.',
  '#',
  `# Generated from src/config/inventory.ts by \`${GENERATOR_COMMAND}\`:`,
  '# edit the inventory, not this file. Every setting is commented out, so a copy of this file',
  '# changes nothing until you uncomment a line; unset variables take their defaults.',
  '#',
  '# An empty value means unset. A bad value stops the worker, which names every bad variable at',
  '# once; `finding-relay check` reports it as MISCONFIGURED instead. Keep the secrets',
  '# (SLACK_WEBHOOK_URL, GITHUB_TOKEN) in Secret Manager, not in a file.',
];

/** The checked-in .env.example: every variable documented, then the promotion path. */
export function renderEnvExample(): string {
  const lines = [...HEADER];
  for (const [concern, title] of Object.entries(CONCERN_TITLES) as [ConfigConcern, string][]) {
    const specs = INVENTORY.filter((spec) => spec.concern === concern);
    if (specs.length === 0) continue;
    lines.push('', RULE, `# ${title}`, RULE);
    for (const spec of specs) lines.push('', ...renderVariable(spec));
  }
  lines.push(
    '',
    RULE,
    '# Promotion path: dev -> staging -> prod',
    RULE,
    '#',
    '# Copy ONE block into that environment\'s configuration and uncomment its "# " lines.',
    '# Lines starting with "## " are separate, deliberate steps: leave them commented until the',
    '# step is due. Run `finding-relay check` before and after each step.',
  );
  for (const block of PROMOTION_BLOCKS) lines.push('', ...renderBlock(block));
  return `${lines.join('\n')}\n`;
}

function renderVariable(spec: VariableSpec): string[] {
  const lines = wrapComment(`${spec.name}: ${spec.description}`, '# ', '#   ');
  lines.push(...wrapComment(`accepts: ${describeKind(spec.kind)}`, '#   ', '#     '));
  lines.push(...wrapComment(`default: ${spec.default}`, '#   ', '#     '));
  if (spec.secret) lines.push('#   secret: never logged; placeholders below are not real');
  lines.push(`# ${spec.name}=${spec.example}`);
  return lines;
}

function renderBlock(block: PromotionBlock): string[] {
  const lines = [`# --- ${block.title} ${'-'.repeat(Math.max(3, WIDTH - 7 - block.title.length))}`];
  block.steps.forEach((step, index) => {
    if (index > 0) lines.push('#');
    const prefix = step.deliberate ? '## ' : '# ';
    for (const note of step.notes) lines.push(`# ${note}`);
    for (const [name, value] of step.settings) lines.push(`${prefix}${name}=${value}`);
  });
  return lines;
}

/** Word-wraps one comment paragraph to the file's width. */
function wrapComment(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    const prefix = lines.length === 0 ? first : rest;
    if (line !== prefix && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = rest + word;
    } else {
      line = line === prefix ? line + word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
