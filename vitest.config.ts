import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The workspace package from its sources (as tsconfig.json's `paths` say for tsc and tsx), so
 * the tests need no build first. Exact names: `@finding-relay/publisher` must not swallow
 * `@finding-relay/publisher/finding`.
 */
export const workspaceAliases = [
  { find: /^@finding-relay\/publisher$/, replacement: 'packages/publisher/src/index.ts' },
  { find: /^@finding-relay\/publisher\/finding$/, replacement: 'packages/publisher/src/finding.ts' },
].map(({ find, replacement }) => ({
  find,
  replacement: fileURLToPath(new URL(replacement, import.meta.url)),
}));

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: [
      'src/**/*.test.ts',
      'test/**/*.test.ts',
      'scripts/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
    ],
    exclude: ['test/faults/**', 'test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
