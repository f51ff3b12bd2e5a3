import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Tests that start real Alertmanager/Prometheus processes need room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Request deadlines are tested under forced garbage collection (test/support/garbage-collection.ts).
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
  },
});
