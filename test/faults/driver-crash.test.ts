/**
 * postgres.js 3.4.9 under connections cut again and again (what a restart or
 * a failover does to a pool): unpatched, the process died from a write to a
 * closed socket or a query waited forever on a dead connection. With the
 * patch in patches/ every cut only fails the queries in flight. The load runs
 * in a child process, so a crash shows as its exit status instead of taking
 * the test runner down; its database is a private cluster, never the machine's.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivatePostgres, privatePostgresUnavailable, startPrivatePostgres } from '../helpers/private-postgres.js';

const unavailable = privatePostgresUnavailable();
if (unavailable) console.log(`driver-crash: skipped (${unavailable})`);

describe.skipIf(unavailable)('postgres.js under connections cut by the server', () => {
  let pg: PrivatePostgres;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
  });
  afterAll(() => pg?.destroy());

  it('neither crashes nor leaves a query waiting when the server cuts every connection 100 times', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/driver-crash-load.ts', pg.url, '20'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    const report = run.stdout.trim().split('\n').at(-1) ?? '';
    expect(run.stderr.match(/TypeError.*/)?.[0] ?? '', 'an uncaught error from the driver').toBe('');
    expect(report).not.toContain('"hung":true');
    expect(run.status, `exit ${run.status}; stderr: ${run.stderr.slice(0, 500)}`).toBe(0);
    const result = JSON.parse(report) as { rounds: number; ok: number; failed: number; unhandled: number };
    expect(result.rounds).toBe(20);
    // The cuts did happen (queries failed) and the pool recovered after each (queries succeeded).
    expect(result.failed).toBeGreaterThan(20);
    expect(result.ok).toBeGreaterThan(result.rounds);
    expect(result.unhandled).toBe(0);
  }, 300_000);
});
