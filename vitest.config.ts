import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

// graphql 16 ships CommonJS and ESM builds; Node (and so graphql-yoga and
// Pothos) load the CommonJS one. Vite would hand our sources the ESM one, and
// two copies of GraphQLError break every instanceof check. Pin the one Node uses.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// The suite runs on the embedded PGlite always, and a second time on a
// PostgreSQL server when TEST_DATABASE_URL points at one (.ci/run does).
const postgresUrl = process.env.TEST_DATABASE_URL;
const restartTest = 'test/database-restart.test.ts';

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true as const, test: { name: 'pglite', exclude: [...configDefaults.exclude, restartTest], env: { TEST_DATABASE_KIND: 'pglite' } } },
      ...(postgresUrl
        ? [
            { extends: true as const, test: { name: 'postgres', exclude: [...configDefaults.exclude, restartTest], env: { TEST_DATABASE_KIND: 'postgres' } } },
            // Restarting the PostgreSQL cluster would break every other test using it: run alone, last.
            {
              extends: true as const,
              test: { name: 'postgres-restart', include: [restartTest], sequence: { groupOrder: 1 }, env: { TEST_DATABASE_KIND: 'postgres' } },
            },
          ]
        : []),
    ],
  },
});
