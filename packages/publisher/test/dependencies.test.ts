import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The package's promise to agents: installing it brings @google-cloud/pubsub and zod and nothing
 * else. Checked twice: what package.json declares, and what the code under src/ imports.
 */
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(PACKAGE, 'src');
const RUNTIME_DEPENDENCIES = ['@google-cloud/pubsub', 'zod'];

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const pkg = readJson(join(PACKAGE, 'package.json'));

/** Every module specifier a source file names: static imports and re-exports, side-effect imports, import(), require(). */
function moduleSpecifiers(source: string): { specifiers: string[]; unreadable: string[] } {
  // Comments out first, so an example in a doc comment counts neither way.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers = [
    ...code.matchAll(/\bfrom\s*(['"])([^'"]+)\1/g),
    ...code.matchAll(/\bimport\s*(['"])([^'"]+)\1/g),
    ...code.matchAll(/\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g),
    ...code.matchAll(/\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)/g),
  ].map((m) => m[2]!);
  // A computed import() or require() cannot be checked: refused outright.
  const unreadable = [
    ...code.matchAll(/\bimport\s*\(\s*(?!['"][^'"]+['"]\s*\))[^)]*\)/g),
    ...code.matchAll(/\brequire\s*\(\s*(?!['"][^'"]+['"]\s*\))[^)]*\)/g),
  ].map((m) => m[0]);
  return { specifiers, unreadable };
}

const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(ts|mts|cts|js|mjs|cjs|json)$/.test(f))
  .sort();

describe('the dependency promise of @finding-relay/publisher', () => {
  it('declares exactly @google-cloud/pubsub and zod as runtime dependencies, at the versions the relay uses', () => {
    const dependencies = (pkg.dependencies ?? {}) as Record<string, string>;
    expect(Object.keys(dependencies).sort()).toEqual(RUNTIME_DEPENDENCIES);
    for (const field of [
      'peerDependencies',
      'optionalDependencies',
      'bundleDependencies',
      'bundledDependencies',
    ])
      expect(pkg[field], field).toBeUndefined();
    // The relay (the workspace root) pins the same versions, so both resolve to one copy.
    const root = readJson(join(PACKAGE, '../../package.json'));
    const rootDependencies = root.dependencies as Record<string, string>;
    for (const name of RUNTIME_DEPENDENCIES) expect(dependencies[name], name).toBe(rootDependencies[name]);
  });

  it('imports nothing under src/ but those two, node: built-ins and its own modules', () => {
    expect(sources.filter((f) => !f.endsWith('.ts'))).toEqual([]);
    expect(sources).toEqual(expect.arrayContaining(['index.ts', 'finding.ts', 'create-publisher.ts']));
    const seen = new Set<string>();
    const offending: string[] = [];
    for (const file of sources) {
      const { specifiers, unreadable } = moduleSpecifiers(readFileSync(join(SRC, file), 'utf8'));
      offending.push(...unreadable.map((u) => `${file}: ${u}`));
      for (const specifier of specifiers) {
        if (specifier.startsWith('.')) {
          const target = relative(SRC, resolve(dirname(join(SRC, file)), specifier));
          if (target.startsWith('..')) offending.push(`${file}: ${specifier} (outside the package's src/)`);
          else seen.add('(own module)');
          continue;
        }
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!;
        if (specifier.startsWith('node:') || RUNTIME_DEPENDENCIES.includes(name)) seen.add(name);
        else offending.push(`${file}: ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
    // The scan is not vacuous: it saw both dependencies, a built-in and the package's own modules.
    expect([...seen].sort()).toEqual(['(own module)', '@google-cloud/pubsub', 'node:crypto', 'zod']);
  });

  it('reads every form of import the scan relies on', () => {
    const { specifiers, unreadable } = moduleSpecifiers(
      [
        "import { a } from 'one';",
        "import type {\n  B,\n} from '@two/pkg/sub';",
        "export * from './three.js';",
        "import 'four';",
        "const five = await import('five');",
        "const six = require('six');",
        "// import { x } from 'in-a-comment';",
        'const seven = await import(name);',
      ].join('\n'),
    );
    expect(specifiers.sort()).toEqual(['./three.js', '@two/pkg/sub', 'five', 'four', 'one', 'six']);
    expect(unreadable).toEqual(['import(name)']);
  });
});
