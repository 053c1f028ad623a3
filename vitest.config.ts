// Vitest: integration tests on a real database (PostgreSQL when TEST_DATABASE_URL is set, PGlite
// otherwise), each test file on a database of its own cloned from a migrated template.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 3,
    reporters: ['default'],
  },
});
