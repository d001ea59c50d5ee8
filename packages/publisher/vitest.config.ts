import { defineConfig } from 'vitest/config';

/** `npm test -w @finding-relay/publisher`: the package's own tests; no emulator, no network. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
});
