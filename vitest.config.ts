import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// graphql 16 ships CommonJS and ESM builds; Node (and so graphql-yoga and
// Pothos) load the CommonJS one. Vite would hand our sources the ESM one, and
// two copies of GraphQLError break every instanceof check. Pin the one Node uses.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// The suite runs on the embedded PGlite always, and a second time on a
// PostgreSQL server when TEST_DATABASE_URL points at one (.ci/run does).
// Fault tests (test/faults) restart or cut a PostgreSQL cluster of their own
// (test/helpers/private-postgres.ts), never the server of TEST_DATABASE_URL:
// they run once, in the postgres project when there is one (its workers go on
// to them without starting again), else in a project of their own.
const postgresUrl = process.env.TEST_DATABASE_URL;
const faultTests = 'test/faults/**';

// The order of the files. After a file, vitest keeps its worker for the next file in the queue only if that
// file is of the same project (each project has its own environment); otherwise it ends the worker and
// starts another, which imports everything again (seconds of CPU each). So each project's files come
// together: postgres' (the benchmark smoke run, the longest file of all, is on it) with the fault tests
// last (they time PostgreSQL's restarts against the API's 5 s read wait: not in the first minutes, the
// busiest, with the type check and the linter running beside), then pglite's. With the longest files of
// both projects first, the projects alternated and a run started 16 workers where 9 do.
const PROJECT_ORDER = ['postgres', 'faults', 'pglite'];
const isFaultTest = (spec: TestSpecification) => spec.moduleId.includes('/test/faults/');
// Within a project, the files that take longest first, so that none of them is left running alone at the end. The
// durations are committed (test/durations.json, written by `npm run test:durations` from vitest's own timings of a
// whole run): vitest orders by its timings too, but keeps them in node_modules/, which every `npm ci` empties. A clean
// clone (CI) then started the files by size and took 392–412 s where a second run took 355 s; in this order, 348–367 s.
// A file not listed (a new one) goes first.
const durations = JSON.parse(readFileSync(new URL('test/durations.json', import.meta.url), 'utf8')) as Record<string, number>;
const duration = (spec: TestSpecification) => durations[`${spec.project.name}:${relative(spec.project.config.root, spec.moduleId)}`] ?? Number.POSITIVE_INFINITY;
const projectRank = (spec: TestSpecification) => {
  const i = PROJECT_ORDER.indexOf(spec.project.name);
  return i < 0 ? PROJECT_ORDER.length : i;
};
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted
      .map((spec, order) => ({ spec, order }))
      .sort((a, b) => projectRank(a.spec) - projectRank(b.spec) || Number(isFaultTest(a.spec)) - Number(isFaultTest(b.spec)) || duration(b.spec) - duration(a.spec) || a.order - b.order)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
    // Template databases (migrated; migrated and seeded), built once per project and copied for each test database.
    globalSetup: ['test/helpers/global-setup.ts'],
    // One process per worker, reused from file to file (not one per file): a file's cost was mostly importing the
    // server's modules and compiling PGlite's wasm again (import 228 s of 680 s), and no test relies on a fresh
    // module state (nothing is mocked; every server, database and registry is made per test file).
    isolate: false,
    // Vitest's default is one worker less than the cores: one on a 2-core machine, where most of a test's time is
    // spent waiting (on sockets, databases, timers), not computing. Once the per-file CPU (imports, PGlite
    // clusters) is gone, three files at a time on two cores keeps the cores busy.
    maxWorkers: Math.max(3, availableParallelism() + 1),
    projects: [
      { extends: true as const, test: { name: 'pglite', exclude: [...configDefaults.exclude, faultTests], env: { TEST_DATABASE_KIND: 'pglite' } } },
      ...(postgresUrl
        ? [{ extends: true as const, test: { name: 'postgres', env: { TEST_DATABASE_KIND: 'postgres' } } }]
        : [{ extends: true as const, test: { name: 'faults', include: [faultTests], env: { TEST_DATABASE_KIND: 'postgres' } } }]),
    ],
  },
});
