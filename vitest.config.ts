import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Race tests spawn real processes; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
  },
});
