import { defineConfig } from 'vitest/config';

// The suite runs on the embedded PGlite always, and a second time on a
// PostgreSQL server when TEST_DATABASE_URL points at one (.ci/run does).
const postgresUrl = process.env.TEST_DATABASE_URL;

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'pglite', env: { TEST_DATABASE_KIND: 'pglite' } } },
      ...(postgresUrl ? [{ extends: true, test: { name: 'postgres', env: { TEST_DATABASE_KIND: 'postgres' } } }] : []),
    ],
  },
});
