import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.config.js';

/**
 * The long suites with real worker processes, run one file at a time (`npm run test:faults`):
 * the fault matrix (test/faults) and the fleet end-to-end tests (test/e2e), whose pace checks
 * (GitHub writes ≥ 1 s apart, as the stand-ins stamp them) want a machine not also running the
 * rest of the suite. The main suite (vitest.config.ts) excludes both.
 */
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/e2e-fault-summary.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
