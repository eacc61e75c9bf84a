/**
 * PostgreSQL restarted under a running publish/subscribe load: the API keeps
 * answering (503 SERVICE_UNAVAILABLE while the database is down, never a
 * crash), /ready reports it, and once the database is back, queries,
 * mutations and subscriptions work again without restarting the API — and
 * no subscriber missed an event. Runs only where .ci/run provides a local
 * cluster it may restart (its own vitest project, after every other test).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storyEvents } from '../src/db/schema.js';
import { databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { wsClient } from './helpers/ws.js';

const clusterVersion = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort().at(-1) : undefined;
const host = process.env.TEST_DATABASE_URL ? new URL(process.env.TEST_DATABASE_URL).hostname : '';
const canRestart = databaseKind === 'postgres' && clusterVersion !== undefined && ['127.0.0.1', 'localhost', ''].includes(host) && existsSync('/usr/bin/pg_ctlcluster');
if (!canRestart) console.log('database-restart: skipped (needs a local PostgreSQL cluster that pg_ctlcluster can restart)');

const cluster = (action: 'stop' | 'start') => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', clusterVersion!, 'main', action], { stdio: 'pipe' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(canRestart)('PostgreSQL restarted under load', () => {
  let server: TestServer;
  let storyId: string;
  let storyKey: number;
  let startCursor: string;

  beforeAll(async () => {
    server = await startTestServer({ SEED_DEMO: 'false' });
    const created = await server.edit<{ createStory: { story: { id: string; eventCursor: string } } }>(
      `mutation { createStory(input: { slug: "restart", title: "Restart", language: "en", status: LIVE }) { story { id eventCursor } } }`,
    );
    storyId = created.data!.createStory.story.id;
    startCursor = created.data!.createStory.story.eventCursor;
    storyKey = Number(Buffer.from(storyId, 'base64').toString().split(':')[1]);
  });
  afterAll(async () => {
    // Whatever happened, leave the cluster running for whoever comes next.
    try {
      cluster('start');
    } catch {
      /* already running */
    }
    await server?.stop();
  });

  it('keeps answering, reports readiness, and loses no event', async () => {
    const follow = `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor sequence } }`;
    // Tickers that resume from their last cursor whenever their subscription ends.
    const tickers = Array.from({ length: 5 }, () => ({ sequences: [] as number[], cursor: startCursor, client: null as Client | null }));
    let running = true;
    const follow1 = async (t: (typeof tickers)[number]) => {
      while (running) {
        const client = wsClient(server.url);
        t.client = client;
        try {
          for await (const result of client.iterate<{ storyEvents: { cursor: string; sequence: number } }>({ query: follow, variables: { story: storyId, after: t.cursor } })) {
            if (!result.data) break;
            t.sequences.push(result.data.storyEvents.sequence);
            t.cursor = result.data.storyEvents.cursor;
          }
        } catch {
          /* resume below */
        } finally {
          await client.dispose();
        }
        if (running) await sleep(200);
      }
    };
    const following = tickers.map(follow1);

    const outcomes = { ok: 0, unavailable: 0, other: [] as string[] };
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        const res = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
          input: { story: storyId, headline: `Entry ${i}`, body: 'Text.' },
        });
        if (!res.errors) outcomes.ok += 1;
        else if (res.errors[0]!.extensions!.code === 'SERVICE_UNAVAILABLE') outcomes.unavailable += 1;
        else outcomes.other.push(String(res.errors[0]!.extensions!.code));
        await sleep(30);
      }
    })();

    await sleep(1_000);
    cluster('stop');
    await sleep(1_500);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    const query = await server.gql(`{ story(slug: "restart") { title } }`);
    expect(query.status).toBe(503);
    expect(query.errors![0]!.extensions!.code).toBe('SERVICE_UNAVAILABLE');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    cluster('start');
    for (let i = 0; i < 100 && (await fetch(`${server.url}/ready`)).status !== 200; i++) await sleep(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await sleep(1_500);
    publishing = false;
    await publisher;

    expect(outcomes.unavailable).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(10);
    expect(outcomes.other).toEqual([]);

    const log = await server.app.database.db
      .select({ seq: storyEvents.seq })
      .from(storyEvents)
      .where(and(eq(storyEvents.storyId, storyKey), gt(storyEvents.seq, 0)))
      .orderBy(asc(storyEvents.seq));
    const expected = log.map((e) => e.seq);
    expect(expected.length).toBeGreaterThanOrEqual(outcomes.ok);
    for (let i = 0; i < 200 && tickers.some((t) => t.sequences.at(-1) !== expected.at(-1)); i++) await sleep(100);
    running = false;
    for (const t of tickers) expect(t.sequences).toEqual(expected);
    await Promise.all(tickers.map((t) => t.client?.dispose()));
    await Promise.all(following);

    const after = await server.gql<{ story: { title: string } }>(`{ story(slug: "restart") { title } }`);
    expect(after.data!.story.title).toBe('Restart');
  }, 120_000);
});
