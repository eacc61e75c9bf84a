/**
 * A PostgreSQL of the test's own restarted ten times (`pg_ctl restart -m
 * fast`) and once stopped for a few seconds, under two API instances while
 * writers publish (retrying 503s with idempotency keys), readers query, and
 * tickers follow the story over graphql-ws and SSE, resuming from their
 * cursor only if their stream ends. Nothing may crash, no ticker may miss or
 * repeat an event, no entry may be written twice, and no reader may see an
 * error: reads and subscriptions wait through the outage.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries, storyEvents } from '../../src/db/schema.js';
import { type PrivatePostgres, privatePostgresUnavailable, startPrivatePostgres } from '../helpers/private-postgres.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { wsClient } from '../helpers/ws.js';

const unavailable = privatePostgresUnavailable();
if (unavailable) console.log(`database-restart: skipped (${unavailable})`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const follow = `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor sequence } }`;
const createEntry = `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`;

interface Ticker {
  sequences: number[];
  cursor: string;
  errors: string[];
  resumed: number;
}

describe.skipIf(unavailable)('PostgreSQL restarted and stopped under two API instances', () => {
  let pg: PrivatePostgres;
  const servers: TestServer[] = [];
  let storyId: string;
  let storyKey: number;
  let startCursor: string;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const database = { url: pg.url, dataDir: 'memory://', drop: async () => {} };
    // One after the other: the second finds the schema migrated by the first.
    servers.push(await startTestServer({ SEED_DEMO: 'false' }, database));
    servers.push(await startTestServer({ SEED_DEMO: 'false' }, database));
    const created = await servers[0]!.edit<{ createStory: { story: { id: string; eventCursor: string } } }>(
      `mutation { createStory(input: { slug: "restart", title: "Restart", language: "en", status: LIVE }) { story { id eventCursor } } }`,
    );
    storyId = created.data!.createStory.story.id;
    startCursor = created.data!.createStory.story.eventCursor;
    storyKey = Number(Buffer.from(storyId, 'base64').toString().split(':')[1]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    pg?.destroy();
  });

  it('crashes nothing, loses or repeats no event, writes no entry twice and shows readers no error', async () => {
    let running = true;

    const followOverWs = async (server: TestServer, t: Ticker) => {
      while (running) {
        const client = wsClient(server.url);
        try {
          for await (const result of client.iterate<{ storyEvents: { cursor: string; sequence: number } }>({ query: follow, variables: { story: storyId, after: t.cursor } })) {
            if (result.errors) t.errors.push(String(result.errors[0]!.extensions?.code ?? result.errors[0]!.message));
            if (!result.data) break;
            t.sequences.push(result.data.storyEvents.sequence);
            t.cursor = result.data.storyEvents.cursor;
          }
        } catch (error) {
          t.errors.push(String((error as { code?: unknown }).code ?? error));
        } finally {
          await client.dispose();
        }
        if (running) {
          t.resumed += 1;
          await sleep(200);
        }
      }
    };
    const followOverSse = async (server: TestServer, t: Ticker) => {
      while (running) {
        const controller = new AbortController();
        stopSse.push(() => controller.abort());
        try {
          const url = `${server.url}/graphql?query=${encodeURIComponent(follow)}&variables=${encodeURIComponent(JSON.stringify({ story: storyId, after: t.cursor }))}`;
          const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
          const reader = response.body!.getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += new TextDecoder().decode(value);
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = frame.split('\n').find((line) => line.startsWith('data:'))?.slice(5).trim();
              if (!frame.startsWith('event: next') || !data) continue;
              const result = JSON.parse(data) as { data?: { storyEvents: { cursor: string; sequence: number } }; errors?: { extensions?: { code?: string } }[] };
              if (result.errors) t.errors.push(String(result.errors[0]!.extensions?.code));
              if (result.data) {
                t.sequences.push(result.data.storyEvents.sequence);
                t.cursor = result.data.storyEvents.cursor;
              }
            }
          }
        } catch (error) {
          if (running) t.errors.push(String(error));
        }
        if (running) {
          t.resumed += 1;
          await sleep(200);
        }
      }
    };
    const stopSse: (() => void)[] = [];
    const newTicker = (): Ticker => ({ sequences: [], cursor: startCursor, errors: [], resumed: 0 });
    const wsTickers = [0, 1, 0, 1].map((i) => ({ server: servers[i]!, ticker: newTicker() }));
    const sseTicker = newTicker();
    const following = [...wsTickers.map(({ server, ticker }) => followOverWs(server, ticker)), followOverSse(servers[1]!, sseTicker)];

    // Two writers, one per instance; each entry has its key and is retried, with the same key, until it is in.
    const perWriter = 30;
    const writerOutcomes = { unavailable: 0, other: [] as string[] };
    const write = async (server: TestServer, writer: number) => {
      for (let i = 0; i < perWriter; i++) {
        const input = { story: storyId, headline: `Writer ${writer} entry ${i}`, body: 'Text.', idempotencyKey: `w${writer}-e${i}` };
        for (;;) {
          const res = await server.edit(createEntry, { input }).catch((error: unknown) => ({ errors: [{ message: String(error), extensions: { code: 'NETWORK' } }] }));
          if (!res.errors) break;
          const code = String(res.errors[0]!.extensions?.code);
          if (code === 'SERVICE_UNAVAILABLE') writerOutcomes.unavailable += 1;
          else writerOutcomes.other.push(code);
          await sleep(100);
        }
        await sleep(40);
      }
    };
    const writing = [write(servers[0]!, 0), write(servers[1]!, 1)];

    // A reader querying the story all along, on both instances.
    const readerErrors: string[] = [];
    let reads = 0;
    const reading = (async () => {
      for (let i = 0; running; i++) {
        const res = await servers[i % 2]!.gql(`{ story(slug: "restart") { title entries(first: 5) { edges { node { headline } } } } }`);
        if (res.errors) readerErrors.push(String(res.errors[0]!.extensions?.code));
        else reads += 1;
        await sleep(25);
      }
    })();

    // Ten restarts. After each, one probe entry written through the other instance as soon as the
    // server is back: how long until a ticker on the first instance has it is the recovery time.
    const recovery: number[] = [];
    for (let restart = 0; restart < 10; restart++) {
      await sleep(500);
      await pg.restart();
      const back = performance.now();
      let seq = 0;
      for (;;) {
        const res = await servers[1]!.edit<{ createEntry: { entry: { id: string } } }>(createEntry, {
          input: { story: storyId, headline: `Probe ${restart}`, body: 'Probe.', idempotencyKey: `probe-${restart}` },
        });
        if (!res.errors) break;
        await sleep(20);
      }
      const [probe] = await servers[1]!.app.database.db
        .select({ seq: storyEvents.seq })
        .from(storyEvents)
        .innerJoin(entries, eq(entries.id, storyEvents.entryId))
        .where(and(eq(storyEvents.storyId, storyKey), eq(entries.headline, `Probe ${restart}`)));
      seq = probe!.seq;
      while (!wsTickers[0]!.ticker.sequences.includes(seq) && performance.now() - back < 30_000) await sleep(5);
      recovery.push(Math.round(performance.now() - back));
    }
    // A longer outage, and a ticker that subscribes in the middle of it: it waits, it is not refused.
    await pg.stop();
    const lateTicker = newTicker();
    const late = followOverWs(servers[0]!, lateTicker);
    await sleep(3_000);
    await pg.start();
    await Promise.all(writing);

    const log = await servers[0]!.app.database.db
      .select({ seq: storyEvents.seq })
      .from(storyEvents)
      .where(and(eq(storyEvents.storyId, storyKey), gt(storyEvents.seq, 0)))
      .orderBy(asc(storyEvents.seq));
    const expected = log.map((e) => e.seq);
    const tickers = [...wsTickers.map((w) => w.ticker), sseTicker, lateTicker];
    for (let i = 0; i < 300 && tickers.some((t) => t.sequences.at(-1) !== expected.at(-1)); i++) await sleep(100);
    running = false;
    stopSse.forEach((stop) => stop());
    await reading;

    const rows = await servers[0]!.app.database.db.select({ headline: entries.headline }).from(entries).where(eq(entries.storyId, storyKey));
    expect(rows).toHaveLength(2 * perWriter + recovery.length);
    expect(new Set(rows.map((r) => r.headline)).size).toBe(2 * perWriter + recovery.length);
    expect(expected).toHaveLength(2 * perWriter + recovery.length);
    expect(writerOutcomes.other).toEqual([]);

    for (const t of tickers) {
      expect(t.errors).toEqual([]);
      expect(t.sequences).toEqual(expected);
    }
    expect(readerErrors).toEqual([]);
    expect(reads).toBeGreaterThan(20);

    // Both instances still serve, and the wait was logged as an outage (not as errors per query).
    for (const server of servers) {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      expect(server.app.database.outage.down).toBe(false);
    }
    await Promise.race([Promise.all([...following, late]), sleep(5_000)]);
    console.log(
      `database-restart: ${reads} reads, ${writerOutcomes.unavailable} writes retried after 503, tickers resumed ${tickers.map((t) => t.resumed).join('/')} times; ` +
        `restart done → probe delivered on the other instance (ms, 10 restarts): ${recovery.join(', ')}`,
    );
  }, 240_000);
});
