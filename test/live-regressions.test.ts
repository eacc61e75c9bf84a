/**
 * The live bus under the races a review found: a replay from memory while
 * events keep arriving, a slow subscriber's late cleanup, tickers leaving a
 * quiet story, and replays that must show an entry as it is now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveBus } from '../src/live/bus.js';
import { appendEvent, lockStory } from '../src/live/append-event.js';
import { createLogger } from '../src/logger.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { until } from './helpers/webhook-receiver.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
let storyKey: number;
const log = createLogger({ logLevel: 'silent', logFormat: 'json' });

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(`mutation { createStory(input: { slug: "races", title: "Races", language: "en", status: LIVE }) { story { id } } }`);
  storyId = created.data!.createStory.story.id;
  storyKey = Number(Buffer.from(storyId, 'base64').toString().split(':')[1]);
});
afterAll(async () => {
  await server?.stop();
});

/** Appends `n` story-level events directly to the log, each in its own transaction. */
async function appendEvents(n: number) {
  for (let i = 0; i < n; i++) {
    await server.app.database.db.transaction(async (tx) => {
      await lockStory(tx, storyKey);
      await appendEvent(tx, { storyId: storyKey, kind: 'story_status_changed', entryId: null, public: true, actor: 'test' });
    });
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live bus races', () => {
  it('lets a ticker that leaves a quiet story go at once', async () => {
    for (let i = 0; i < 10; i++) {
      const client = wsClient(server.url);
      const events = collect(client, `subscription ($story: ID!) { storyEvents(story: $story) { cursor } }`, { story: storyId });
      for (let j = 0; j < 100 && server.app.live.stats().subscribers === 0; j++) await sleep(10);
      events.stop();
      await client.dispose();
    }
    for (let j = 0; j < 100 && server.app.live.stats().subscribers > 0; j++) await sleep(10);
    expect(server.app.live.stats()).toMatchObject({ subscribers: 0, stories: 0 });
  });

  it('replays from memory without a gap while new events arrive', async () => {
    const bus = new LiveBus(server.app.database, log, { recentEvents: 32, batchSize: 100, maxQueue: 1_000 });
    await bus.start();
    try {
      const holder = bus.subscribe(storyKey, null);
      const holding = holder.next();
      await appendEvents(40); // the buffer now holds the last 32
      await holding;
      const lastSeq = await currentSeq();
      const from = lastSeq - 20;
      const resumed = bus.subscribe(storyKey, from);
      const seen: number[] = [];
      let appending: Promise<void> | null = null;
      while (seen.length < 40) {
        const { value } = await resumed.next();
        seen.push(value!.row.seq);
        // Slow reader: events keep arriving, and shifting the buffer, while it replays.
        if (seen.length === 2) appending = appendEvents(20);
        await sleep(5);
      }
      await appending;
      expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => from + 1 + i));
      await resumed.return!();
      await holder.return!();
    } finally {
      await bus.stop();
    }
  });

  it('keeps a story\'s new channel when a slow subscriber of the old one is cleaned up late', async () => {
    const bus = new LiveBus(server.app.database, log, { recentEvents: 32, batchSize: 100, maxQueue: 2 });
    await bus.start();
    try {
      let overflowed = false;
      const slow = bus.subscribe(storyKey, null, { onOverflow: () => (overflowed = true) });
      const first = slow.next(); // registers, then never reads again
      await sleep(50);
      const loaded = bus.stats().eventsLoaded;
      await appendEvents(4); // overflows the slow subscriber
      await first;
      // Every one of the four dispatched before the passer comes: on a busy machine their notifications
      // can arrive apart, and a passer that joined between them would be overflowed in turn.
      await until('the slow subscriber overflowed and all four events dispatched', () => overflowed && bus.stats().eventsLoaded >= loaded + 4);
      const passer = bus.subscribe(storyKey, null);
      void passer.next();
      await sleep(50);
      await passer.return!(); // the old channel empties and goes
      const follower = bus.subscribe(storyKey, null);
      const next = follower.next();
      await sleep(50);
      await slow.return!().catch(() => {}); // the slow subscriber's late cleanup
      await appendEvents(1);
      const received = await Promise.race([next, sleep(3_000).then(() => null)]);
      expect(received?.value?.row.seq).toBe(await currentSeq());
      await follower.return!();
    } finally {
      await bus.stop();
    }
  });

  it('replays an entry as it is now: a retracted entry comes back as a tombstone', async () => {
    const holder = wsClient(server.url);
    const holding = collect(holder, `subscription ($story: ID!) { storyEvents(story: $story) { cursor } }`, { story: storyId });
    for (let j = 0; j < 100 && server.app.live.stats().subscribers === 0; j++) await sleep(10);
    const before = await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "races") { eventCursor } }`);
    const created = await server.edit<{ createEntry: { entry: { id: string } } }>(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
      input: { story: storyId, headline: 'Withdrawn soon', body: 'A body that must not outlive its retraction.' },
    });
    await server.edit(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { input: { id: created.data!.createEntry.entry.id } });
    await holding.waitFor(2);
    const reader = wsClient(server.url);
    const replayed = collect<{ storyEvents: { kind: string; entry: { status: string; body: string | null } } }>(
      reader,
      `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { status body } } }`,
      { story: storyId, after: before.data!.story.eventCursor },
    );
    const events = await replayed.waitFor(2);
    expect(events.map((e) => e.storyEvents)).toEqual([
      { kind: 'PUBLISHED', entry: { status: 'RETRACTED', body: null } },
      { kind: 'RETRACTED', entry: { status: 'RETRACTED', body: null } },
    ]);
    await reader.dispose();
    await holder.dispose();
  });

  it('refuses a cursor beyond the story\'s latest event', async () => {
    const future = Buffer.from(`${storyKey}:999999`).toString('base64url');
    const client = wsClient(server.url);
    const events = collect(client, `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor } }`, { story: storyId, after: future });
    for (let j = 0; j < 100 && events.errors.length === 0; j++) await sleep(10);
    expect(JSON.stringify(events.errors)).toContain('BAD_USER_INPUT');
    await client.dispose();
  });
});

async function currentSeq(): Promise<number> {
  const res = await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "races") { eventCursor } }`);
  return Number(Buffer.from(res.data!.story.eventCursor, 'base64url').toString().split(':')[1]);
}
