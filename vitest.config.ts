import { defineConfig } from 'vitest/config';

/**
 * Two projects, run one after the other by `npm test`: everything else first, then the kill -9
 * crash tests alone. Those restart `agentcron serve` dozens of times against throughput floors; next
 * to the Chromium suites on a 2-core machine they would measure the neighbours, not agentcron.
 */
const CRASH_TESTS = 'test/crash/**/*.test.ts';
const crashOnly = process.env.AGENTCRON_TEST_SUITE === 'crash';

export default defineConfig({
  test: {
    include: crashOnly ? [CRASH_TESTS] : ['test/**/*.test.ts'],
    exclude: crashOnly ? [] : [CRASH_TESTS],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Race tests spawn real processes; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
  },
});
