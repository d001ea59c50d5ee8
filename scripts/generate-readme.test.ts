import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli/commands.js';
import { INVENTORY } from '../src/config/inventory.js';
import { README_PATH, renderReadme } from './generate-readme.js';

describe('README', () => {
  const readme = readFileSync(README_PATH, 'utf8');

  it('has its generated sections up to date (run `npx tsx scripts/generate-readme.ts`)', () => {
    expect(readme).toBe(renderReadme(readme));
  });

  it('lists every command and every variable, and shows the two commands a new user runs', () => {
    for (const name of Object.keys(commands)) expect(readme).toContain(`finding-relay ${name}`);
    for (const spec of INVENTORY) expect(readme).toContain(spec.name);
    expect(readme).toContain('npm install && npm run dev');
    expect(readme).toContain('npm test');
  });
});
