import { defineConfig } from 'vitest/config';

/**
 * The fault matrix (issue 10): long scenarios with real worker processes, run one file at a time
 * (`npm run test:faults`). The main suite (vitest.config.ts) excludes test/faults/**.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/e2e-fault-summary.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
