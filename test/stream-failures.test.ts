/**
 * A live stream that fails midway on the server's side (here its replay
 * throws, as a database fault would make it) ends with the error masked and
 * logged under the subscription's request id, over SSE and WebSocket alike;
 * the SSE stream is counted as ended with reason `error` and gives its slot
 * back. An SSE stream written from the bus lets go of envelop's iterators
 * once open and masks such an error itself (src/transport/sse-streams.ts),
 * so this is the check that it does so as the plugins do.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveBus } from '../src/live/bus.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { sseSubscribe } from './helpers/sse.js';
import { collect, wsClient } from './helpers/ws.js';

const FOLLOW = `subscription Follow($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor sequence } }`;
const SECRET = 'replay exploded: password=hunter2';

let server: TestServer;
let storyId: string;
let firstCursor: string;
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  const log = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) });
  server = await startTestServer({ SEED_DEMO: 'false', METRICS_PORT: '0', MAX_CONNECTIONS_PER_ADDRESS: '1' }, undefined, { log });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(`mutation { createStory(input: { slug: "failing", title: "Failing", language: "en", status: LIVE }) { story { id } } }`);
  storyId = created.data!.createStory.story.id;
  const publish = (headline: string) => server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline, body: 'Text.' } });
  // The cursor of a first event, so that a reader resuming from it has the second replayed.
  const ticker = sseSubscribe<{ storyEvents: { cursor: string } }>(server.url, FOLLOW, { story: storyId });
  await ticker.started;
  await publish('One');
  firstCursor = (await ticker.waitFor(1))[0]!.storyEvents.cursor;
  ticker.close();
  await ticker.ended;
  // One stream per address: the server must have seen this one go before the tests open theirs.
  for (let i = 0; i < 200 && server.app.sseReaders.stats().streams > 0; i++) await new Promise((r) => setTimeout(r, 10));
  await publish('Two');
});
afterAll(async () => {
  await server?.stop();
});

/** Makes every replay throw until the returned function puts it back. */
function breakReplays(bus: LiveBus): () => void {
  const own = bus as unknown as { replay: LiveBus['replay'] };
  own.replay = async function* () {
    yield* [];
    throw new Error(SECRET);
  };
  return () => {
    delete (own as Partial<typeof own>).replay;
  };
}

/** SSE subscriptions ended with reason `error`, as the server exports it. */
async function endedWithError(): Promise<number> {
  const text = await server.app.metrics!.exposition();
  const line = text.split('\n').find((l) => l.startsWith('diretta_subscriptions_ended_total{') && l.includes('transport="sse"') && l.includes('reason="error"'));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('a live stream that fails on the server', () => {
  it('ends an SSE stream with the masked error and `complete`, counted and its slot given back', async () => {
    const before = await endedWithError();
    const repair = breakReplays(server.app.live);
    try {
      const failing = sseSubscribe(server.url, FOLLOW, { story: storyId, after: firstCursor }, { 'x-request-id': 'failing-sse-1' });
      await failing.ended;
      const text = failing.text();
      expect(text).toContain('"code":"INTERNAL_SERVER_ERROR"');
      expect(text).toContain('Quote request id failing-sse-1');
      expect(text).not.toContain('hunter2');
      expect(text.trimEnd().endsWith('event: complete\ndata:')).toBe(true);
    } finally {
      repair();
    }
    expect(await endedWithError()).toBe(before + 1);
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'internal error in a subscription stream', requestId: 'failing-sse-1' }));
    // One stream per address (MAX_CONNECTIONS_PER_ADDRESS=1): the failed stream gave its slot back.
    const next = sseSubscribe<{ storyEvents: { sequence: number } }>(server.url, FOLLOW, { story: storyId, after: firstCursor });
    expect((await next.waitFor(1))[0]!.storyEvents.sequence).toBeGreaterThan(0);
    next.close();
    await next.ended;
  });

  it('ends a WebSocket subscription with the same masked error', async () => {
    const repair = breakReplays(server.app.live);
    const client = wsClient(server.url);
    try {
      const received = collect(client, FOLLOW, { story: storyId, after: firstCursor });
      for (let i = 0; i < 500 && received.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const errors = JSON.stringify(received.errors);
      expect(errors).toContain('INTERNAL_SERVER_ERROR');
      expect(errors).toContain('Quote request id');
      expect(errors).not.toContain('hunter2');
    } finally {
      repair();
      await client.dispose();
    }
  });
});
