/**
 * The benchmarks, in miniature, so that they cannot rot: a tiny data set,
 * a second of load per read run held to 200 requests a second (every path
 * answers; nothing is measured, so the load need not burn the cores the
 * rest of the suite shares), a few dozen subscribers. Asserts that the
 * report is produced with sane numbers and that no message is lost; never
 * timings (they belong to `npm run bench` on a quiet machine). The
 * benchmark's children (the API, PostGraphile, the load generator…) run
 * from bundles of their scripts (BENCH_BUNDLED, bench/services.ts), not
 * through tsx: the same code, at half the CPU per start.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../bench/report.js';
import { varnishUnavailable } from '../scripts/edge/varnish.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';

const run = promisify(execFile);

// PostGraphile and autocannon live in bench/'s own package (`npm run bench:install`), not in the API's.
const benchInstalled = ['postgraphile', 'autocannon'].every((name) => existsSync(new URL(`../bench/node_modules/${name}/package.json`, import.meta.url)));
if (databaseKind === 'postgres' && !benchInstalled) console.log('[bench-smoke] skipping: the benchmark\'s dependencies are not installed (npm run bench:install)');

describe.runIf(databaseKind === 'postgres' && benchInstalled)('benchmark smoke run', () => {
  let database: TestDatabase;
  let out: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    out = mkdtempSync(join(tmpdir(), 'diretta-bench-'));
  });
  afterAll(async () => {
    if (out) rmSync(out, { recursive: true, force: true });
    await database?.drop();
  });

  it('generates data, runs both benchmarks and writes the report', async () => {
    const env = { ...process.env, DATABASE_URL: database.url!, BENCH_BUNDLED: '1' };
    const data = await run('node', ['--import', 'tsx', 'bench/data.ts', '--scale', '0.01'], { env });
    expect(data.stdout).toMatch(/done: 2 stories × 20 entries/);

    const bench = await run(
      'node',
      ['--import', 'tsx', 'bench/run.ts', 'all', '--subscribers', '25', '--events', '2', '--duration', '1', '--warmup', '0', '--no-uncached', '--metrics', '--metrics-rounds', '1', '--metrics-pairs', '1', '--rate-cap', '200', '--out', out],
      { env, maxBuffer: 10 * 1024 * 1024 },
    );
    expect(bench.stdout).toMatch(/report written to/);

    const files = readdirSync(out);
    const markdown = files.find((f) => f.endsWith('-all.md'));
    const json = files.find((f) => f.endsWith('-all.json'));
    expect(markdown).toBeDefined();
    expect(json).toBeDefined();
    expect(readFileSync(join(out, markdown!), 'utf8')).toMatch(/## Reads[\s\S]*## Newsroom[\s\S]*## Fan-out[\s\S]*## Targets/);
    expect(readFileSync(join(out, markdown!), 'utf8')).toContain('reads held to 200 req/s (a smoke run');

    const report = JSON.parse(readFileSync(join(out, json!), 'utf8')) as BenchReport;
    expect(report.environment.scale.entries).toBe(40);
    expect(report.reads!.operations.map((o) => o.operation)).toEqual(['story page', 'person page', 'search']);
    for (const op of report.reads!.operations) {
      expect(op.sameData).toBe(true);
      for (const side of [op.diretta, op.postgraphile]) {
        expect(side.requests).toBeGreaterThan(0);
        expect(side.errors + side.non2xx + side.timeouts).toBe(0);
        expect(side.p99).toBeGreaterThanOrEqual(side.p50);
      }
      const statements = op.statements.map((s) => s.statements);
      expect(statements.every((n) => Number.isInteger(n) && n > 0)).toBe(true);
      expect(new Set(statements).size).toBe(1);
    }

    // Metrics on against off: one pair per operation (cache on only, with --no-uncached), /metrics scraped during the runs with them on.
    expect(report.reads!.metrics!.map((m) => `${m.operation} ${m.cache}`)).toEqual(['story page on', 'person page on', 'search on']);
    for (const cost of report.reads!.metrics!) {
      for (const side of [...cost.on, ...cost.off]) {
        expect(side.requests).toBeGreaterThan(0);
        expect(side.errors + side.non2xx + side.timeouts).toBe(0);
      }
      expect(cost.scrapes).toBeGreaterThanOrEqual(1);
      expect(cost.ratio).toBeGreaterThan(0);
      // Side by side (where taskset can pin them): the twins loaded together, both answering.
      for (const pair of cost.sideBySide) {
        for (const side of [pair.off, pair.on]) {
          expect(side.requests).toBeGreaterThan(0);
          expect(side.errors + side.non2xx + side.timeouts).toBe(0);
        }
      }
      expect(cost.sideBySide.length).toBe(cost.pinned ? 1 : 0);
    }
    expect(readFileSync(join(out, markdown!), 'utf8')).toContain('**Metrics on against off.**');

    const { newsroom } = report;
    expect(newsroom!.runs.map((r) => `${r.server} ${r.rate}`)).toEqual(
      [0, 1, 4].flatMap((rate) => ['Diretta, cache on', 'PostGraphile (no cache)'].map((server) => `${server} ${rate}`)),
    );
    for (const run of newsroom!.runs) {
      expect(run.reads.requests).toBeGreaterThan(0);
      expect(run.reads.errors + run.reads.non2xx + run.reads.timeouts).toBe(0);
      expect(run.publish.failed).toBe(0);
      expect(run.publish.completed).toBe(run.publish.attempted);
      if (run.rate > 0) expect(run.publish.attempted).toBeGreaterThan(0);
      if (run.server === 'Diretta, cache on') expect(run.cacheHitRate).toBeGreaterThan(0);
    }

    const { fanout } = report;
    expect(fanout!.api.lost).toBe(0);
    expect(fanout!.api.duplicates).toBe(0);
    expect(fanout!.api.outOfOrder).toBe(0);
    expect(fanout!.api.latency.count).toBe(25 * 2);
    expect(fanout!.api.latency.p99).toBeGreaterThan(0);
    expect(fanout!.floor.lost).toBe(0);
    expect(fanout!.floor.latency.count).toBe(25 * 2);
    expect(fanout!.messageBytes).toBeGreaterThan(100);
    expect(Number.isFinite(fanout!.api.rssPerSubscriberBytes)).toBe(true);
  }, 300_000);

  it.skipIf(varnishUnavailable() !== null)(`runs edge-reads through a real Varnish${varnishUnavailable() ? ` (skipped: ${varnishUnavailable()})` : ''}`, async () => {
    const env = { ...process.env, DATABASE_URL: database.url!, BENCH_BUNDLED: '1' };
    await run('node', ['--import', 'tsx', 'bench/data.ts', '--scale', '0.01'], { env });
    const bench = await run('node', ['--import', 'tsx', 'bench/run.ts', 'edge-reads', '--duration', '1', '--warmup', '0', '--rates', '0,1', '--connections', '10', '--rate-cap', '200', '--out', out], {
      env,
      maxBuffer: 10 * 1024 * 1024,
    });
    expect(bench.stdout).toMatch(/report written to/);
    const json = readdirSync(out).find((f) => f.endsWith('-edge-reads.json'));
    const report = JSON.parse(readFileSync(join(out, json!), 'utf8')) as BenchReport;
    expect(readFileSync(join(out, json!.replace(/json$/, 'md')), 'utf8')).toMatch(/## Reads at the edge[\s\S]*## Targets/);
    const runs = report.edgeReads!.runs;
    expect(runs.map((r) => `${r.path} ${r.rate}`)).toEqual(['Varnish → API 0', 'API (cache on) 0', 'Varnish → API 1', 'API (cache on) 1']);
    for (const r of runs) {
      expect(r.reads.requests).toBeGreaterThan(0);
      expect(r.reads.errors + r.reads.non2xx + r.reads.timeouts).toBe(0);
      expect(r.publishFailed).toBe(0);
      if (r.path === 'Varnish → API') expect(r.hitRatio).toBeGreaterThan(0.5);
      else expect(r.hitRatio).toBeNull();
    }
    const withDesk = runs.find((r) => r.path === 'Varnish → API' && r.rate === 1)!;
    expect(withDesk.published).toBeGreaterThan(0);
    // Every entry the desk published was seen at the edge, each timed once.
    expect(withDesk.staleness).toMatchObject({ samples: withDesk.published, notFresh: 0 });
    expect(withDesk.staleness!.p99).toBeGreaterThan(0);
  }, 300_000);
});
