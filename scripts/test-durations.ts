/**
 * `npm run test:durations`: writes test/durations.json, each test file's
 * duration in seconds, by project, from the timings vitest kept of the last
 * run, for the order in which vitest.config.ts starts the files (longest
 * first). Vitest orders by those timings itself, but keeps them in
 * node_modules/, which every `npm ci` (every clean clone, so every CI run)
 * empties; committed, the order is the same on every machine. Run it after
 * a whole run (`TEST_DATABASE_URL=… npm test`) when files were added or grew.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cacheDir = 'node_modules/.vite/vitest';
const results = readdirSync(cacheDir).map((dir) => join(cacheDir, dir, 'results.json'));
if (results.length !== 1) throw new Error(`expected one vitest results file in ${cacheDir}, found ${results.length}: run the suite first`);
const cache = JSON.parse(readFileSync(results[0]!, 'utf8')) as { results: [string, { duration: number; failed: boolean }][] };
const durations = Object.fromEntries(
  cache.results
    .filter(([, result]) => !result.failed)
    .map(([key, result]) => [key, Math.round(result.duration / 100) / 10] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1)),
);
writeFileSync('test/durations.json', `${JSON.stringify(durations, null, 2)}\n`);
console.log(`test/durations.json: ${Object.keys(durations).length} files`);
