/**
 * A database outage as an operator sees it: one log line when it starts and
 * one when it ends (not one a second from the scheduler, the live bus or the
 * webhook deliverer, nor one per scrape), diretta_database_up 0 while the
 * database is stopped and 1 once it is back, the outage counted and its
 * length added to diretta_database_unavailable_seconds_total. On a
 * PostgreSQL cluster of the test's own (the machine's is never stopped).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { parseExposition } from '../helpers/exposition.js';
import { type PrivatePostgres, privatePostgresUnavailable, startPrivatePostgres } from '../helpers/private-postgres.js';
import { TEST_JWT_SECRET } from '../helpers/server.js';

const unavailable = privatePostgresUnavailable();
if (unavailable) console.log(`outage-observability: skipped (${unavailable})`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(unavailable)('a database outage in the logs and the metrics', () => {
  let pg: PrivatePostgres;
  let app: App;
  let url: string;
  const lines: { msg?: string; level?: number; downMs?: number }[] = [];
  const scrape = async () => parseExposition(await (await fetch(`${app.metricsUrl}/metrics`)).text());

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      SEED_DEMO: 'true',
      DATABASE_URL: pg.url,
      JWT_SECRET: TEST_JWT_SECRET,
      METRICS_PORT: '0',
      WEBHOOK_POLL_INTERVAL_MS: '100',
    });
    app = await buildApp({ config, log: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) }), jwtSecret: TEST_JWT_SECRET });
    url = await app.listen();
  });
  afterAll(async () => {
    await app?.stop();
    pg?.destroy();
  });

  it('logs one line when the database goes and one when it is back, and shows it in the metrics', async () => {
    const before = await scrape();
    expect(before.value('diretta_database_up')).toBe(1);
    expect(before.value('diretta_database_outages_total')).toBe(0);

    await pg.stop();
    const stoppedAt = Date.now();
    // Readers keep asking while it is away (each waits up to 5 s, then gets a 503).
    let reading = true;
    const readers = (async () => {
      while (reading) await fetch(`${url}/graphql?query=${encodeURIComponent('{ stories(first: 1) { edges { node { title } } } }')}&extensions=%7B%7D`).catch(() => {});
    })();
    await sleep(1_500);
    const during = await scrape();
    expect(during.value('diretta_database_up')).toBe(0);
    expect(during.value('diretta_database_outages_total')).toBe(1);
    expect(during.value('diretta_database_unavailable_seconds_total')).toBeGreaterThan(0.5);
    // Readiness follows the outage, whatever answered just before it began.
    const unready = await fetch(`${url}/ready`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unavailable', database: 'postgres' });
    await sleep(2_000);
    await scrape();
    await pg.start();
    const deadline = Date.now() + 30_000;
    let after = await scrape();
    while (after.value('diretta_database_up') !== 1 && Date.now() < deadline) {
      await sleep(200);
      after = await scrape();
    }
    const outageMs = Date.now() - stoppedAt;
    reading = false;
    await readers;
    await sleep(1_500);

    after = await scrape();
    expect(after.value('diretta_database_up')).toBe(1);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(after.value('diretta_database_outages_total')).toBe(1);
    const seconds = after.value('diretta_database_unavailable_seconds_total');
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThanOrEqual(outageMs / 1000 + 1);

    const outage = lines.filter((l) => l.msg?.startsWith('database unreachable'));
    const recovery = lines.filter((l) => l.msg === 'database reachable again');
    expect(outage).toHaveLength(1);
    expect(recovery).toHaveLength(1);
    expect(recovery[0]!.downMs).toBeGreaterThan(3_000);
    // Nothing else repeats itself through the outage: background work is silent, the outage log speaks for it.
    const repeated = lines.filter((l) => /could not publish scheduled entries|webhook delivery round failed|could not load new events/.test(l.msg ?? ''));
    expect(repeated).toEqual([]);
  });
});
