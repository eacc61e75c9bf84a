/**
 * /ready on a busy instance. A load balancer takes an instance out of
 * rotation when its check goes unanswered; under a reconnect storm the
 * readers' pool is full of resuming readers' queries, and a ping queued
 * behind them answered too late (haproxy turned 58,000 attempts away with
 * 503 in one 30,000-reader storm). A statement that answered within the
 * last second is the same evidence, so /ready does not queue then.
 * PostgreSQL only: PGlite runs in the process, with no pool to wait for.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(databaseKind !== 'postgres')('/ready with every pooled connection busy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SEED_DEMO: 'false', DATABASE_POOL_SIZE: '2' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Statements sleeping on a connection to this server's database, seen from a connection of the test's own. */
  const sleepingStatements = async (observer: postgres.Sql) => {
    const [row] = await observer`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and query like 'select pg_sleep%'`;
    return (row as { n: number }).n;
  };

  it('answers from a recent statement without waiting for the pool, and pings (waiting) once that evidence is old', async () => {
    const { db } = server.app.database;
    const observer = postgres(server.config.databaseUrl!, { max: 1 });
    await sleepingStatements(observer);
    // Both of the readers' connections open (a statement sent while one is still connecting would queue on the other).
    await Promise.all([db.execute(sql`select pg_sleep(0.05)`), db.execute(sql`select pg_sleep(0.05)`)]);
    await db.execute(sql`select 1`);
    // Every connection held for 4 s: both of the readers' pool, and the editors' (where background work, the
    // outboxes and the scheduler, runs: statements answered there are evidence too).
    let readersFreed = 0;
    const held = () => db.execute(sql`select pg_sleep(4)`).then(() => (readersFreed += 1));
    const heldByAnEditor = () => db.transaction((tx) => tx.execute(sql`select pg_sleep(4)`));
    const busy = Promise.all([held(), held(), heldByAnEditor(), heldByAnEditor(), heldByAnEditor()]);
    for (let i = 0; (await sleepingStatements(observer)) < 5; i++) {
      if (i > 100) throw new Error('the five statements holding every connection are not all running');
      await sleep(10);
    }

    const fresh = await fetch(`${server.url}/ready`);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toEqual({ status: 'ready', database: 'postgres' });
    expect(readersFreed).toBe(0);

    // No statement has answered for more than a second: /ready pings, and its ping waits for a reader's connection.
    await sleep(1_300);
    expect(readersFreed).toBe(0);
    const pinged = await fetch(`${server.url}/ready`);
    expect(pinged.status).toBe(200);
    expect(readersFreed).toBeGreaterThan(0);
    await busy;
    await observer.end();
  });
});
