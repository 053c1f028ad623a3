// Vitest: integration tests on a real database (PostgreSQL when TEST_DATABASE_URL is set, PGlite
// otherwise), each test file on a database of its own cloned from a migrated template.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node (and tsx) load the CJS one for
  // every importer, but Vite's resolver picks `module` for our sources while externalized packages
  // (Yoga, Pothos) get CJS: two GraphQLError classes and `instanceof` checks that fail only in tests.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
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
