/**
 * Every log line of a request carries its request id: HTTP operations, a
 * WebSocket (the id of its upgrade request, answered in `x-request-id`) and
 * each operation on it (its own id, plus the socket's as `connectionId`),
 * SSE streams, refusals, protocol errors, and the end of every stream at
 * shutdown.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../src/app.js';
import { mintToken } from '../src/auth/tokens.js';
import { type TestDatabase, createTestDatabase } from './helpers/database.js';
import { TEST_JWT_SECRET, startTestServer } from './helpers/server.js';
import { sseSubscribe } from './helpers/sse.js';

type Line = Record<string, unknown> & { msg?: string; requestId?: string; connectionId?: string; component?: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('request ids in the log', () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  let story: string;
  const lines: Line[] = [];
  const linesWhere = (test: (line: Line) => boolean) => lines.filter(test);

  /** A raw graphql-transport-ws socket, acknowledged, and the x-request-id its upgrade was answered with. */
  const openSocket = async (requestId: string) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { 'x-request-id': requestId } });
    const answered = new Promise<string>((resolve) => socket.once('upgrade', (res) => resolve(String(res.headers['x-request-id']))));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    while (!messages.some((m) => m.type === 'connection_ack')) await sleep(10);
    return { socket, messages, answered: await answered };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Line) });
    ({ app, url } = await startTestServer({ LOG_LEVEL: 'debug', SEED_DEMO: 'false', MAX_CONNECTIONS_PER_ADDRESS: '3' }, database, { log, testDefaults: false }));
    const editor = await mintToken(TEST_JWT_SECRET, { role: 'editor', subject: 'logger', expiresIn: 3600 });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${editor}`, 'x-request-id': 'create-story-1' },
      body: JSON.stringify({ query: 'mutation CreateIt { createStory(input: { slug: "logged", title: "Logged", language: "en", status: LIVE }) { story { id } } }' }),
    });
    story = ((await response.json()) as { data: { createStory: { story: { id: string } } } }).data.createStory.story.id;
  });
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('on HTTP operations: the id of the x-request-id header', () => {
    expect(linesWhere((l) => l.msg === 'operation' && l.operation === 'CreateIt')).toEqual([expect.objectContaining({ requestId: 'create-story-1' })]);
  });

  it('on a WebSocket: the id of its upgrade, on protocol errors and on its operations', async () => {
    const { socket, answered } = await openSocket('ws-protocol-1');
    expect(answered).toBe('ws-protocol-1');
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    // A message only a server may send: graphql-ws throws, and the socket is closed as the client's fault.
    socket.send(JSON.stringify({ id: '1', type: 'next', payload: {} }));
    expect(await closed).toBe(4400);
    await sleep(50);
    expect(linesWhere((l) => l.msg === 'closed a WebSocket for a protocol error')).toEqual([expect.objectContaining({ requestId: 'ws-protocol-1' })]);

    const { socket: other } = await openSocket('ws-ops-1');
    other.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence } }', variables: { story } } }));
    while (app.live.stats().subscribers < 1) await sleep(10);
    other.send(JSON.stringify({ id: '1', type: 'complete' }));
    while (app.live.stats().subscribers > 0) await sleep(10);
    await sleep(50);
    const ended = linesWhere((l) => l.msg === 'subscription ended' && l.connectionId === 'ws-ops-1');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ reason: 'complete' });
    expect(ended[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    other.close();
  });

  it('on a refused WebSocket upgrade', async () => {
    const open = await Promise.all([openSocket('ws-a'), openSocket('ws-b'), openSocket('ws-c')]);
    const refused = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: { 'x-request-id': 'ws-refused-1' } });
    const response = await new Promise<{ status: number; id: string }>((resolve) =>
      refused.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']) })),
    );
    refused.on('error', () => {});
    refused.terminate();
    expect(response).toEqual({ status: 429, id: 'ws-refused-1' });
    expect(linesWhere((l) => l.msg === 'refused a WebSocket: too many connections from this address')).toEqual([expect.objectContaining({ requestId: 'ws-refused-1' })]);
    for (const { socket } of open) socket.close();
    while (app.websockets.stats().connections > 0) await sleep(10);
  });

  it('on the end of every stream at shutdown, over SSE and WebSocket', async () => {
    const sse = sseSubscribe(url, 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence } }', { story }, { 'x-request-id': 'sse-follow-1' });
    await sse.started;
    const { socket } = await openSocket('ws-shutdown-1');
    socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence } }', variables: { story } } }));
    while (app.live.stats().subscribers < 2) await sleep(10);
    await app.stop();
    await sse.ended;
    expect(linesWhere((l) => l.msg === 'closing live connections for shutdown')).toEqual([expect.objectContaining({ websockets: 1, subscriptions: 2 })]);
    expect(linesWhere((l) => l.msg === 'SSE subscription ended')).toEqual([expect.objectContaining({ requestId: 'sse-follow-1' })]);
    expect(linesWhere((l) => l.msg === 'subscription ended' && l.connectionId === 'ws-shutdown-1')).toEqual([expect.objectContaining({ reason: 'shutdown', closeCode: 1001 })]);
    app = undefined as unknown as App;

    // And, over the whole run: every line about a socket or an operation on it names its request.
    const aboutRequests = linesWhere((l) => l.connectionId !== undefined || l.component === 'ws' || l.msg === 'operation' || l.msg === 'SSE subscription ended');
    expect(aboutRequests.length).toBeGreaterThan(5);
    expect(aboutRequests.filter((l) => typeof l.requestId !== 'string' || !l.requestId)).toEqual([]);
  });
});
