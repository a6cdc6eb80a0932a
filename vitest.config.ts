import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['apps/server/test/support/global-setup.ts'],
    testTimeout: 30_000,
    // Browser tests poll the page; on a loaded two-core machine a render can take seconds.
    expect: { poll: { timeout: 10_000, interval: 100 } },
    hookTimeout: 120_000,
    // Two cores: two files at a time keeps argon2 and Postgres from starving each other.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
