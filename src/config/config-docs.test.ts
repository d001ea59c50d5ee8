import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  README_VARIABLES_END,
  README_VARIABLES_START,
  renderConfigDocs,
  renderVariablesMarkdownTable,
  replaceBetweenMarkers,
} from '../../scripts/generate-config-docs.js';
import { INVENTORY } from './inventory.js';
import { loadConfig } from './load.js';
import { PROMOTION_BLOCKS } from './promotion-blocks.js';

const REPO_ROOT = new URL('../../', import.meta.url);
const SCRIPT = 'npx tsx scripts/generate-config-docs.ts';

describe('generated config docs', () => {
  for (const [path, expected] of Object.entries(renderConfigDocs())) {
    it(`${path} matches the inventory`, () => {
      const actual = readFileSync(new URL(path, REPO_ROOT), 'utf8');
      expect(actual === expected, `${path} is out of date: run \`${SCRIPT}\``).toBe(true);
    });
  }

  it('.env.example documents every variable, all commented out, with no real-looking secret', () => {
    const text = renderConfigDocs()['.env.example']!;
    for (const spec of INVENTORY) {
      expect(text).toContain(`\n# ${spec.name}=${spec.example}\n`);
      expect(text).toContain(`# ${spec.name}: `);
    }
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([]);
    expect(text).not.toMatch(/hooks\.slack\.com\/services\/T[A-Z0-9]+\//);
    expect(text).not.toMatch(/gh[pousr]_[A-Za-z0-9]{30,}/);
    expect(text).not.toMatch(/github_pat_/);
  });

  it('keeps the deliberate prod steps behind "## " and names them so', () => {
    const text = renderConfigDocs()['.env.example']!;
    for (const line of ['GITHUB_ENABLE_PROD=true', 'DRY_RUN=false']) {
      expect(text).toContain(`\n## ${line}\n`);
      expect(text).not.toContain(`\n# ${line}\n`);
    }
    expect(text).toContain('\n# SLACK_ENABLE_PROD=true\n');
    expect(text).toMatch(/Phase 3b: .*DELIBERATE/);
  });

  it('docs/variables.md has one table row per variable', () => {
    const table = renderVariablesMarkdownTable();
    const rows = table.split('\n');
    expect(rows[0]).toMatch(/^\| variable +\| default +\| secret \| description +\|$/);
    expect(rows).toHaveLength(INVENTORY.length + 2);
    for (const spec of INVENTORY) {
      const row = rows.find((r) => r.startsWith(`| \`${spec.name}\``));
      expect(row, spec.name).toBeDefined();
      expect(row!.split(/(?<!\\)\|/)).toHaveLength(6);
      expect(row).toMatch(new RegExp(`\\| ${spec.secret ? 'yes' : 'no '}    \\|`));
    }
  });
});

describe('promotion blocks', () => {
  const envOf = (settings: readonly (readonly [string, string])[]) => Object.fromEntries(settings);

  it('load cleanly into the environment they are for, with and without the deliberate steps', () => {
    for (const block of PROMOTION_BLOCKS) {
      const routine = block.steps.filter((step) => !step.deliberate).flatMap((step) => step.settings);
      const all = block.steps.flatMap((step) => step.settings);
      for (const settings of [routine, all]) {
        const { config, issues, warnings } = loadConfig(envOf(settings), { cwd: '/srv/relay' });
        expect(issues, block.env).toEqual([]);
        expect(warnings, block.env).toEqual([]);
        expect(config.deploymentEnv).toBe(block.env);
      }
    }
  });

  it('keep GitHub out of real mode unless a deliberate step is taken', () => {
    for (const block of PROMOTION_BLOCKS) {
      const routine = block.steps.filter((step) => !step.deliberate).flatMap((step) => step.settings);
      const { config } = loadConfig(envOf(routine), { cwd: '/srv/relay' });
      expect(config.github.dryRun && config.github.token === undefined, block.env).toBe(true);
      expect(config.github.enableProd, block.env).toBe(false);
    }
  });
});

describe('replaceBetweenMarkers', () => {
  const start = README_VARIABLES_START;
  const end = README_VARIABLES_END;

  it('replaces what lies between the markers and keeps them', () => {
    const text = `# Title\n${start}\nold\nrows\n${end}\nafter\n`;
    expect(replaceBetweenMarkers(text, start, end, 'new table\n')).toBe(
      `# Title\n${start}\nnew table\n${end}\nafter\n`,
    );
    const once = replaceBetweenMarkers(text, start, end, 'x');
    expect(replaceBetweenMarkers(once, start, end, 'x')).toBe(once);
  });

  it('throws on missing, repeated or reversed markers', () => {
    expect(() => replaceBetweenMarkers('no markers', start, end, 'x')).toThrow(/must both be present/);
    expect(() => replaceBetweenMarkers(`${start}${start}${end}`, start, end, 'x')).toThrow(/once/);
    expect(() => replaceBetweenMarkers(`${end}\n${start}`, start, end, 'x')).toThrow(/comes before/);
  });
});
