/**
 * A subscriber that stops reading costs the server bounded memory: its
 * queue of undelivered events and its socket buffer stay under their
 * limits, and it is cut off: a WebSocket with close code 4008, an SSE
 * stream by dropping it (either way, resume from your cursor).
 * A peer that stops answering pings is dropped.
 */
import { type Socket as NetSocket, connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../src/errors.js';
import { type TestServer, startTestServer } from './helpers/server.js';

const MAX_QUEUE = 20;
const MAX_BUFFER = 64 * 1024;
const MESSAGE_BYTES = 40 * 19_000 + 1_000;
let server: TestServer;
let storyId: string;

beforeAll(async () => {
  server = await startTestServer({
    SEED_DEMO: 'false',
    MAX_SUBSCRIBER_QUEUE: String(MAX_QUEUE),
    MAX_SOCKET_BUFFER_BYTES: String(MAX_BUFFER),
    MAX_ALIASES: '50',
    // Pings would drop the stalled reader (it cannot answer) before the limits are tested.
    WS_PING_INTERVAL_MS: '600000',
    // Subscriptions ended, by transport and reason.
    METRICS_PORT: '0',
  });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(`mutation { createStory(input: { slug: "slow", title: "Slow", language: "en", status: LIVE }) { story { id } } }`);
  storyId = created.data!.createStory.story.id;
});
afterAll(async () => {
  await server?.stop();
});

function connect(options: WebSocket.ClientOptions = {}, target: TestServer = server) {
  const socket = new WebSocket(`${target.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', options);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const acked = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      if (String(data).includes('connection_ack')) resolve();
    });
  });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  socket.on('error', () => {});
  return { socket, closed, acked };
}

describe('slow and dead consumers', () => {
  it('cuts off a subscriber that stops reading, holding bounded memory for it', async () => {
    const { socket, closed, acked } = connect();
    await acked;
    // Large messages (the body 40 times over, through aliases) fill the kernel's socket
    // buffers (tens of MB on loopback) quickly, so that the server's own limits come into play.
    const bodies = Array.from({ length: 40 }, (_, i) => `b${i}: body`).join(' ');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { storyEvents(story: "${storyId}") { cursor entry { ${bodies} } } }` } }));
    for (let i = 0; i < 100 && server.app.live.stats().subscribers < 1; i++) await new Promise((r) => setTimeout(r, 10));
    // Stop reading: the TCP window fills, then the server's buffers.
    (socket as unknown as { _socket: NetSocket })._socket.pause();

    let longestQueue = 0;
    let mostBuffered = 0;
    let cutOff = false;
    const body = 'x'.repeat(19_000);
    for (let i = 0; i < 300 && !cutOff; i++) {
      const res = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline: `Big ${i}`, body } });
      expect(res.errors).toBeUndefined();
      longestQueue = Math.max(longestQueue, server.app.live.stats().longestQueue);
      mostBuffered = Math.max(mostBuffered, server.app.websockets.stats().bufferedBytes);
      cutOff = server.app.live.stats().subscribers === 0;
    }
    expect(cutOff).toBe(true);
    expect(longestQueue).toBeLessThanOrEqual(MAX_QUEUE);
    // One message may be in flight beyond the limit: the check runs before each send.
    expect(mostBuffered).toBeLessThanOrEqual(MAX_BUFFER + MESSAGE_BYTES);
    (socket as unknown as { _socket: NetSocket })._socket.resume();
    expect(await closed).toBe(CLOSE_CODES.slowConsumer);
    // And the server lets go of it completely.
    for (let i = 0; i < 100 && server.app.websockets.stats().connections > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.websockets.stats()).toEqual({ connections: 0, bufferedBytes: 0 });
  }, 120_000);

  it('cuts off an SSE reader that stops reading, holding bounded memory for it', async () => {
    const endedSlow = async () => {
      const line = (await server.app.metrics!.exposition()).split('\n').find((l) => l.startsWith('diretta_subscriptions_ended_total{') && l.includes('transport="sse"') && l.includes('reason="slow_consumer"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const slowBefore = await endedSlow();
    const bodies = Array.from({ length: 40 }, (_, i) => `b${i}: body`).join(' ');
    const query = encodeURIComponent(`subscription { storyEvents(story: "${storyId}") { cursor entry { ${bodies} } } }`);
    const { hostname, port } = new URL(server.url);
    const socket = tcpConnect(Number(port), hostname);
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const head = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(String(chunk))));
    socket.write(`GET /graphql?query=${query} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
    expect(await head).toMatch(/^HTTP\/1.1 200/);
    for (let i = 0; i < 100 && server.app.live.stats().subscribers < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.app.sseReaders.stats().streams).toBe(1);
    socket.pause();

    let cutOff = false;
    const body = 'x'.repeat(19_000);
    for (let i = 0; i < 300 && !cutOff; i++) {
      const res = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline: `Big SSE ${i}`, body } });
      expect(res.errors).toBeUndefined();
      cutOff = server.app.live.stats().subscribers === 0;
    }
    expect(cutOff).toBe(true);
    // Read by the server at each write: sampled between mutations, the frame that filled the buffer and the
    // one that cut the reader off can come in one dispatch, and the stream be gone before the sample.
    const mostBuffered = server.app.sseReaders.stats().mostBufferedBytes;
    expect(mostBuffered).toBeGreaterThan(0);
    // One frame may be in flight beyond the limit: the check runs before each write.
    expect(mostBuffered).toBeLessThanOrEqual(MAX_BUFFER + MESSAGE_BYTES);
    socket.resume();
    await closed;
    expect(server.app.sseReaders.stats()).toMatchObject({ streams: 0, bufferedBytes: 0 });
    expect((await endedSlow()) - slowBefore).toBe(1);
  }, 120_000);

  it('drops a peer that does not answer pings, and keeps one that does', async () => {
    const pinging = await startTestServer({ SEED_DEMO: 'false', WS_PING_INTERVAL_MS: '200' });
    try {
      const dead = connect({ autoPong: false }, pinging);
      const live = connect({}, pinging);
      await Promise.all([dead.acked, live.acked]);
      expect(pinging.app.websockets.stats().connections).toBe(2);
      expect(await dead.closed).toBe(1006);
      for (let i = 0; i < 100 && pinging.app.websockets.stats().connections > 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(pinging.app.websockets.stats().connections).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      expect(live.socket.readyState).toBe(WebSocket.OPEN);
      live.socket.close();
    } finally {
      await pinging.stop();
    }
  });
});
