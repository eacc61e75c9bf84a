/**
 * The delivery contract under load: every subscriber, including those cut
 * off at random moments that resume from their last cursor, ends with the
 * log's exact sequence of events — no gap, no duplicate, in order.
 */
import { asc, eq, gt, and } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stories, storyEvents } from '../src/db/schema.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { wsClient } from './helpers/ws.js';

let server: TestServer;
let storyGlobalId: string;
let storyId: number;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(
    `mutation { createStory(input: { slug: "load", title: "Load", language: "en", status: LIVE }) { story { id } } }`,
  );
  storyGlobalId = created.data!.createStory.story.id;
  storyId = Number(Buffer.from(storyGlobalId, 'base64').toString().split(':')[1]);
});
afterAll(async () => {
  await server?.stop();
});

const follow = `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor sequence kind entry { id } } }`;

class Ticker {
  sequences: number[] = [];
  cursor: string | null = null;
  client: Client | null = null;
  reconnects = 0;
  errors: unknown[] = [];

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  connect() {
    const client = wsClient(this.url, { authorization: `Bearer ${this.token}` });
    this.client = client;
    client.subscribe<{ storyEvents: { cursor: string; sequence: number } }>(
      { query: follow, variables: { story: storyGlobalId, after: this.cursor } },
      {
        next: ({ data, errors }) => {
          if (errors) this.errors.push(errors);
          if (!data || client !== this.client) return;
          this.sequences.push(data.storyEvents.sequence);
          this.cursor = data.storyEvents.cursor;
        },
        error: () => {},
        complete: () => {},
      },
    );
  }

  async cut() {
    const client = this.client;
    this.client = null;
    await client?.dispose();
    this.reconnects += 1;
    this.connect();
  }
}

describe('exactly once, in order, under concurrent writers and reconnecting subscribers', () => {
  it('gives 20 subscribers the log\'s exact sequence', async () => {
    const token = await server.token('editor', 'ticker');
    const page = await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "load") { eventCursor } }`);
    const tickers = Array.from({ length: 20 }, () => new Ticker(server.url, token));
    for (const t of tickers) {
      t.cursor = page.data!.story.eventCursor;
      t.connect();
    }
    for (let i = 0; i < 200 && server.app.live.stats().subscribers < 20; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.app.live.stats().subscribers).toBe(20);
    const [start] = await server.app.database.db.select({ seq: stories.lastEventSeq }).from(stories).where(eq(stories.id, storyId));

    // Half the tickers are cut off at random moments while the writers work.
    let writing = true;
    const chaos = (async () => {
      while (writing) {
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
        const victim = tickers[Math.floor(Math.random() * 10)]!;
        await victim.cut();
      }
    })();

    const run = (query: string, variables: Record<string, unknown>) => server.edit(query, variables);
    const writer = async (w: number) => {
      for (let i = 0; i < 100; i++) {
        const created = await run(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
          input: { story: storyGlobalId, headline: `Writer ${w} entry ${i}`, body: 'Text.' },
        });
        expect(created.errors).toBeUndefined();
        const id = (created.data as { createEntry: { entry: { id: string } } }).createEntry.entry.id;
        if (i % 2 === 0) expect((await run(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id, body: 'Edited.' } })).errors).toBeUndefined();
        if (i % 4 === 0) expect((await run(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { input: { id } })).errors).toBeUndefined();
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await chaos;

    const log = await server.app.database.db
      .select({ seq: storyEvents.seq })
      .from(storyEvents)
      .where(and(eq(storyEvents.storyId, storyId), gt(storyEvents.seq, start!.seq)))
      .orderBy(asc(storyEvents.seq));
    const expected = log.map((e) => e.seq);
    expect(expected).toHaveLength(400 + 200 + 100);
    expect(expected).toEqual(expected.map((_, i) => start!.seq + 1 + i));

    const last = expected.at(-1)!;
    for (let i = 0; i < 600 && tickers.some((t) => t.sequences.at(-1) !== last); i++) await new Promise((r) => setTimeout(r, 50));
    for (const ticker of tickers) {
      expect(ticker.errors).toEqual([]);
      expect(ticker.sequences).toEqual(expected);
    }
    expect(tickers.slice(0, 10).reduce((n, t) => n + t.reconnects, 0)).toBeGreaterThan(5);
    await Promise.all(tickers.map((t) => t.client?.dispose()));
  }, 180_000);
});
