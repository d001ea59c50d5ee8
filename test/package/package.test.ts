import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  name: string;
  version: string;
  license: string;
  engines: { node: string };
  exports: Record<string, unknown>;
  files: string[];
  devDependencies: Record<string, string>;
};

/** One build into a temporary directory, shared by the tests that look at what is emitted. */
let built: Promise<string> | undefined;
const build = () => {
  built ??= (async () => {
    const out = await mkdtemp(join(tmpdir(), 'relay-build-'));
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    // Type errors do not stop emission; these tests are about what is emitted.
    await run(tsc, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out]).catch(() => undefined);
    return out;
  })();
  return built;
};
afterAll(async () => {
  if (built) await rm(await built, { recursive: true, force: true });
});

/** Test-only modules by name: helpers, contract suites, the memory store, unit tests, the dev runner. */
const TEST_ONLY = [
  /(^|\/)test-[^/]*$/,
  /-contract\.(js|d\.ts|ts)$/,
  /^state\/memory-/,
  /\.test\.(js|d\.ts|ts)$/,
  /^dev\//,
];

describe('the npm package', () => {
  it('has the Apache-2.0 license text that package.json names', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = read('LICENSE');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('keeps a changelog (Keep a Changelog) with an Unreleased section and this version', () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog).toContain('Keep a Changelog');
    const versions = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(versions[0]).toBe('Unreleased');
    expect(versions).toContain(pkg.version);
    expect(pkg.files).toContain('CHANGELOG.md');
  });

  it('asks for Node 24, the Node it is developed, tested and shipped on (node:sqlite)', () => {
    expect(pkg.engines.node).toBe('>=24');
    const node24 = JSON.parse(read('tools/node24/package.json')) as {
      optionalDependencies: Record<string, string>;
    };
    expect(Object.values(node24.optionalDependencies).every((v) => /^24\.\d+\.\d+$/.test(v))).toBe(true);
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:24-slim\b/m);
  });

  it('exports the generated finding schema as finding-relay/schema.json', () => {
    const require = createRequire(import.meta.url);
    const resolved = require.resolve(`${pkg.name}/schema.json`); // the package resolving itself
    expect(resolved).toBe(join(ROOT, 'schemas/finding.v1.schema.json'));
    const schema = JSON.parse(readFileSync(resolved, 'utf8')) as { $id: string; title: string };
    expect(schema.$id).toBe('urn:finding-relay:schema:finding:v1');
    expect(pkg.files).toContain('schemas');
  });

  it('depends on the workspace package @finding-relay/publisher and re-exports its API unchanged', async () => {
    const root = JSON.parse(read('package.json')) as {
      workspaces: string[];
      dependencies: Record<string, string>;
    };
    const publisher = JSON.parse(read('packages/publisher/package.json')) as {
      name: string;
      version: string;
    };
    expect(root.workspaces).toEqual(['packages/*']);
    expect(root.dependencies[publisher.name]).toBe(publisher.version);
    const entry = (await import('../../src/index.js')) as Record<string, unknown>;
    const library = (await import('@finding-relay/publisher')) as Record<string, unknown>;
    expect(Object.keys(entry).sort()).toEqual([
      'DEFAULT_FINDINGS_TOPIC',
      'FindingValidationError',
      'MAX_MESSAGE_BYTES',
      'createPublisher',
      'defaultFingerprint',
      'validateFinding',
    ]);
    for (const [name, value] of Object.entries(entry)) expect(value, name).toBe(library[name]);
  });

  it('packs the license, changelog and schema, and no TypeScript sources but declarations', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const [{ files }] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const paths = files.map((f) => f.path);
    for (const p of [
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'package.json',
      'schemas/finding.v1.schema.json',
    ])
      expect(paths).toContain(p);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it('builds source maps that carry their sources (the package ships no src/)', async () => {
    const out = await build();
    const js = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(js).toContain('main.js');
    for (const file of js) {
      const mapPath = join(out, `${file}.map`);
      expect(existsSync(mapPath), `${file}.map`).toBe(true);
      const map = JSON.parse(readFileSync(mapPath, 'utf8')) as {
        sources: string[];
        sourcesContent?: string[];
      };
      expect(map.sourcesContent?.length, `${file}.map sourcesContent`).toBe(map.sources.length);
      expect(map.sourcesContent?.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
    }
  });

  it('builds no test-only module into dist: excluded by name, and nothing emitted imports test code', async () => {
    const config = JSON.parse(read('tsconfig.build.json')) as { exclude: string[] };
    for (const pattern of [
      'src/**/*.test.ts',
      'src/**/test-*.ts',
      'src/**/*-contract.ts',
      'src/state/memory-*.ts',
      'src/dev/**',
    ])
      expect(config.exclude).toContain(pattern);
    // The test-only modules that exist today, so a rename cannot slip past the patterns unseen.
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' });
    const modules = sources.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(modules.filter((f) => TEST_ONLY.some((p) => p.test(f))).sort()).toEqual(
      expect.arrayContaining([
        'cli/test-io.ts',
        'dlq/test-letters.ts',
        'finding/test-findings.ts',
        'lib/test-clock.ts',
        'pipeline/test-envelope.ts',
        'state/memory-relay-state.ts',
        'state/memory-store.ts',
        'state/relay-state-contract.ts',
        'state/store-contract.ts',
      ]),
    );
    expect(existsSync(join(ROOT, 'src/dev')), 'npm run dev lives in scripts/dev.ts').toBe(false);

    const out = await build();
    const emitted = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.(js|d\.ts)$/.test(f),
    );
    expect(emitted).toContain('main.js');
    expect(emitted).toContain('index.js');
    expect(emitted.filter((f) => TEST_ONLY.some((p) => p.test(f)))).toEqual([]);
    // By content too: no emitted module imports a test framework or anything under test/.
    const testImports = emitted.filter((f) =>
      /from ['"](vitest|fast-check|playwright-core)['"]|from ['"](\.\.\/)+test\//.test(
        readFileSync(join(out, f), 'utf8'),
      ),
    );
    expect(testImports).toEqual([]);
  });
});
