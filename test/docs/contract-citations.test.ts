import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Code, tests and docs cite the public interface as `docs/contract.md §N`. Every cited section must
 * be a `## N.` heading of that file, so a citation never points at something the repository lacks.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONTRACT = 'docs/contract.md';
/** Where citations live; fixtures, results and generated output are not ours to check. */
const SCANNED = ['src', 'test', 'scripts', 'bench', 'docs', 'infra', 'README.md', 'CHANGELOG.md'];
const SKIPPED = /(^|\/)(node_modules|fixtures|results|\.terraform)(\/|$)/;
const TEXT_FILE = /\.(ts|md|tf|ya?ml)$/;
/** A section sign and its number; one qualified by an RFC (`RFC 8259 §8.1`) cites that RFC instead. */
const CITATION = /(RFC \d+ )?\u00a7(\d+)/g;

function scannedFiles(): string[] {
  return SCANNED.flatMap((entry) => {
    const path = join(ROOT, entry);
    if (TEXT_FILE.test(entry)) return [path];
    return readdirSync(path, { recursive: true, encoding: 'utf8' })
      .filter((name) => TEXT_FILE.test(name) && !SKIPPED.test(name))
      .map((name) => join(path, name));
  }).filter((path) => relative(ROOT, path) !== CONTRACT);
}

interface Citation {
  where: string;
  section: number;
}

function citations(): Citation[] {
  return scannedFiles().flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        [...line.matchAll(CITATION)]
          .filter((m) => m[1] === undefined)
          .map((m) => ({ where: `${relative(ROOT, path)}:${i + 1}`, section: Number(m[2]) })),
      ),
  );
}

function contractSections(): Set<number> {
  const text = readFileSync(join(ROOT, CONTRACT), 'utf8');
  return new Set([...text.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1])));
}

describe('docs/contract.md citations', () => {
  it('docs/contract.md has its numbered sections, in order', () => {
    expect([...contractSections()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('every section cited in src/, tests, scripts and docs is a heading of docs/contract.md', () => {
    const found = citations();
    // The check reads real citations (a broken scan would pass vacuously).
    expect(found.filter((c) => c.where.startsWith('src/')).length).toBeGreaterThanOrEqual(20);
    const sections = contractSections();
    expect(found.filter((c) => !sections.has(c.section))).toEqual([]);
  });

  it('cites the contract one way: by its path in the repository', () => {
    const oldForm = /CONTRACT \u00a7/;
    const stale = scannedFiles()
      .filter((path) => oldForm.test(readFileSync(path, 'utf8')))
      .map((path) => relative(ROOT, path));
    expect(stale).toEqual([]);
  });
});
