/**
 * Fan-out costs follow the distinct operations, not the subscribers: an
 * event is loaded from the log once per instance, and its selection is
 * executed once per distinct operation (document, variables, role).
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveExecutionStats } from '../src/plugins/shared-event-execution.js';
import { sharedBytesStats } from '../src/transport/shared-bytes.js';
import { sseFrameStats } from '../src/transport/sse-streams.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(`mutation { createStory(input: { slug: "counts", title: "Counts", language: "en", status: LIVE }) { story { id } } }`);
  storyId = created.data!.createStory.story.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('fan-out counts', () => {
  it('loads each event once and executes it once per distinct operation', async () => {
    const full = `subscription ($story: ID!) { storyEvents(story: $story) { cursor kind entry { headline people { name } places { name } quotes { text speaker { name } } } } }`;
    const brief = `subscription ($story: ID!) { storyEvents(story: $story) { cursor entry { headline } } }`;
    const editorToken = await server.token('editor');
    const readers = Array.from({ length: 20 }, () => wsClient(server.url));
    const briefReaders = Array.from({ length: 5 }, () => wsClient(server.url));
    const editors = Array.from({ length: 3 }, () => wsClient(server.url, { authorization: `Bearer ${editorToken}` }));
    const streams = [
      ...readers.map((c) => collect(c, full, { story: storyId })),
      ...briefReaders.map((c) => collect(c, brief, { story: storyId })),
      ...editors.map((c) => collect(c, full, { story: storyId })),
    ];
    for (let i = 0; i < 200 && server.app.live.stats().subscribers < 28; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.live.stats().subscribers).toBe(28);

    const loadedBefore = server.app.live.stats().eventsLoaded;
    const executionsBefore = liveExecutionStats.executions;
    const published = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
      input: { story: storyId, headline: 'Once for everyone', body: 'Text.' },
    });
    expect(published.errors).toBeUndefined();
    await Promise.all(streams.map((s) => s.waitFor(1)));

    expect(streams.reduce((n, s) => n + s.values.length, 0)).toBe(28);
    expect(server.app.live.stats().eventsLoaded - loadedBefore).toBe(1);
    // Readers' full selection, readers' brief one, editors' full one.
    expect(liveExecutionStats.executions - executionsBefore).toBe(3);
    await Promise.all([...readers, ...briefReaders, ...editors].map((c) => c.dispose()));
  });

  it('shares one execution between readers who resumed from different cursors', async () => {
    const follow = `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { cursor entry { headline } } }`;
    const cursor = async () => (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "counts") { eventCursor } }`)).data!.story.eventCursor;
    const publish = (headline: string) =>
      server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline, body: 'Text.' } });
    const first = wsClient(server.url);
    const a = collect(first, follow, { story: storyId, after: await cursor() });
    await publish('Before the second reader');
    await a.waitFor(1);
    const second = wsClient(server.url);
    const b = collect(second, follow, { story: storyId, after: await cursor() });
    for (let i = 0; i < 200 && server.app.live.stats().subscribers < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const executionsBefore = liveExecutionStats.executions;
    await publish('For both');
    await Promise.all([a.waitFor(2), b.waitFor(1)]);
    expect(liveExecutionStats.executions - executionsBefore).toBe(1);
    await Promise.all([first.dispose(), second.dispose()]);
  });

  it('writes each event to every socket from the bus: no iterator step per subscriber, one serialisation, nothing held', async () => {
    // Bare graphql-transport-ws sockets, as a ticker in a page speaks it; half number their subscription "1", half "7".
    const query = `subscription ($story: ID!) { storyEvents(story: $story) { sequence kind entry { headline } } }`;
    const n = 30;
    const streamsBefore = liveExecutionStats.pushedStreams;
    const sockets = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        const messages: { id?: string; type: string; payload?: { data?: { storyEvents: { sequence: number; entry: { headline: string } } } } }[] = [];
        socket.on('message', (data, binary) => {
          expect(binary).toBe(false);
          messages.push(JSON.parse(String(data)) as (typeof messages)[number]);
        });
        return new Promise<{ socket: WebSocket; messages: typeof messages; id: string }>((resolve) => {
          const id = i % 2 === 0 ? '1' : '7';
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
          socket.on('message', (data) => {
            if (String(data).includes('connection_ack')) {
              socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { story: storyId } } }));
              resolve({ socket, messages, id });
            }
          });
        });
      }),
    );
    for (let i = 0; i < 200 && server.app.live.stats().subscribers < n; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.live.stats().subscribers).toBe(n);
    // One stream per subscription, pushed to by the bus (src/plugins/shared-event-execution.ts).
    expect(liveExecutionStats.pushedStreams - streamsBefore).toBe(n);

    const before = { ...server.app.live.stats() };
    const stats = { ...liveExecutionStats };
    const bytes = { ...sharedBytesStats };
    const events = 3;
    for (let e = 0; e < events; e++) {
      const published = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
        input: { story: storyId, headline: `Pushed ${e}`, body: 'Text.' },
      });
      expect(published.errors).toBeUndefined();
    }
    for (let i = 0; i < 500 && sockets.some((s) => s.messages.filter((m) => m.type === 'next').length < events); i++) await new Promise((r) => setTimeout(r, 20));

    // Every socket got the three events, in order, under its own subscription id.
    for (const { messages, id } of sockets) {
      const next = messages.filter((m) => m.type === 'next');
      expect(next.map((m) => m.id)).toEqual([id, id, id]);
      expect(next.map((m) => m.payload!.data!.storyEvents.entry.headline)).toEqual(['Pushed 0', 'Pushed 1', 'Pushed 2']);
      const sequences = next.map((m) => m.payload!.data!.storyEvents.sequence);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
    const after = server.app.live.stats();
    // Handed by the dispatch loop to each subscriber's sink; not one pulled through an iterator.
    expect(after.pushed - before.pushed).toBe(n * events);
    expect(after.pulled - before.pulled).toBe(0);
    // No stream was asked for a next result per event: graphql-ws' one pending next() per subscription is all.
    expect(liveExecutionStats.streamPulls - stats.streamPulls).toBe(0);
    expect(liveExecutionStats.pushedStreams - stats.pushedStreams).toBe(0);
    // One execution and one serialisation per event; one message per event and subscription id.
    expect(liveExecutionStats.executions - stats.executions).toBe(events);
    expect(sharedBytesStats.serialised - bytes.serialised).toBe(events);
    expect(sharedBytesStats.messages - bytes.messages).toBe(events * 2);
    // Nothing left waiting for a reader: no queue, no socket buffer.
    expect(after.longestQueue).toBe(0);
    expect(server.app.websockets.stats().bufferedBytes).toBe(0);

    // complete from the client: it leaves the bus at once and gets no more events.
    for (const { socket, id } of sockets) socket.send(JSON.stringify({ id, type: 'complete' }));
    for (let i = 0; i < 200 && server.app.live.stats().subscribers > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.live.stats().subscribers).toBe(0);
    for (const { socket } of sockets) socket.close();
  });

  it('writes each event to every SSE reader from the bus, serialised and framed once', async () => {
    const query = encodeURIComponent(`subscription ($story: ID!) { storyEvents(story: $story) { sequence entry { headline } } }`);
    const variables = encodeURIComponent(JSON.stringify({ story: storyId }));
    const n = 6;
    const streamsBefore = liveExecutionStats.pushedStreams;
    const controllers = Array.from({ length: n }, () => new AbortController());
    const texts = Array.from({ length: n }, () => ({ text: '' }));
    await Promise.all(
      controllers.map(async (controller, i) => {
        const response = await fetch(`${server.url}/graphql?query=${query}&variables=${variables}`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        void (async () => {
          try {
            for (let r = await reader.read(); !r.done; r = await reader.read()) texts[i]!.text += Buffer.from(r.value).toString();
          } catch {
            // aborted
          }
        })();
      }),
    );
    for (let i = 0; i < 200 && server.app.live.stats().subscribers < n; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.live.stats().subscribers).toBe(n);
    // Each stream pushed to by the bus and written by the server itself (src/transport/sse-streams.ts), not pulled through Yoga's.
    expect(liveExecutionStats.pushedStreams - streamsBefore).toBe(n);
    expect(server.app.sseReaders.stats().streams).toBe(n);
    const before = { ...server.app.live.stats() };
    const stats = { ...liveExecutionStats };
    const framesBefore = sseFrameStats.frames;
    const published = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline: 'Over SSE', body: 'Text.' } });
    expect(published.errors).toBeUndefined();
    for (let i = 0; i < 300 && texts.some((t) => !t.text.includes('Over SSE')); i++) await new Promise((r) => setTimeout(r, 20));
    for (const { text } of texts) expect(text).toMatch(/event: next\ndata: \{"data":\{"storyEvents":\{"sequence":\d+,"entry":\{"headline":"Over SSE"\}\}\}\}\n\n/);
    const after = server.app.live.stats();
    expect(after.pushed - before.pushed).toBe(n);
    expect(after.pulled - before.pulled).toBe(0);
    expect(liveExecutionStats.streamPulls - stats.streamPulls).toBe(0);
    expect(liveExecutionStats.serialised - stats.serialised).toBe(1);
    expect(sseFrameStats.frames - framesBefore).toBe(1);
    expect(server.app.sseReaders.stats().bufferedBytes).toBe(0);
    for (const controller of controllers) controller.abort();
    for (let i = 0; i < 200 && server.app.live.stats().subscribers > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.live.stats().subscribers).toBe(0);
    expect(server.app.sseReaders.stats().streams).toBe(0);
  });

  it('answers a stream it writes itself with the head Yoga gives: CORS, the request id, no caching', async () => {
    const query = encodeURIComponent(`subscription ($story: ID!) { storyEvents(story: $story) { sequence } }`);
    const variables = encodeURIComponent(JSON.stringify({ story: storyId }));
    const streamsBefore = server.app.sseReaders.stats().streams;
    const { headers, status, request } = await new Promise<{ headers: Record<string, unknown>; status: number; request: ReturnType<typeof get> }>((resolve, reject) => {
      const request = get(`${server.url}/graphql?query=${query}&variables=${variables}`, { headers: { accept: 'text/event-stream', origin: 'https://news.example', 'x-request-id': 'held-stream-1' } }, (response) => {
        resolve({ headers: response.headers, status: response.statusCode!, request });
      });
      request.on('error', reject);
    });
    expect(status).toBe(200);
    expect(server.app.sseReaders.stats().streams).toBe(streamsBefore + 1);
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['access-control-allow-origin']).toBeDefined();
    expect(headers['x-request-id']).toBe('held-stream-1');
    expect(String(headers['cache-control'])).toMatch(/no-store|no-cache/);
    request.destroy();
    for (let i = 0; i < 200 && server.app.sseReaders.stats().streams > streamsBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.sseReaders.stats().streams).toBe(streamsBefore);
  });
});
