/**
 * A corpus of hostile and malformed requests, over HTTP and WebSocket. Each
 * case asserts the exact answer (HTTP status and error code, or graphql-ws
 * close code), then that the server still answers a normal query; at the
 * end, that nothing was written to the database.
 */
import { request as httpRequest } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { queryRows } from '../src/db/client.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
let storyId: string;
let rowsBefore: Record<string, number>;

const tables = ['stories', 'entries', 'people', 'places', 'quotes', 'entry_people', 'entry_places', 'story_events', 'idempotency_keys'];
async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await queryRows<{ n: number | string }>(server.app.database.db, sql.raw(`select count(*) as n from ${table}`));
    counts[table] = Number(row!.n);
  }
  return counts;
}

beforeAll(async () => {
  server = await startTestServer({
    MAX_BODY_BYTES: '16384',
    WS_MAX_PAYLOAD_BYTES: '8192',
    // A second instead of the default 10 s, for the socket that never sends connection_init (4408 below).
    WS_CONNECTION_INIT_TIMEOUT_MS: '1000',
    MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
    MAX_CONNECTIONS_PER_ADDRESS: '20',
    MAX_DEPTH: '12',
    MAX_ALIASES: '15',
  });
  storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
  rowsBefore = await rowCounts();
});
afterAll(async () => {
  await server?.stop();
});

async function stillServing() {
  const res = await server.gql<{ story: { title: string } }>(`{ story(slug: "${demoStory.slug}") { title } }`);
  expect(res.status).toBe(200);
  expect(res.data!.story.title).toBe(demoStory.title);
}

interface HttpCase {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
  status: number;
  code?: string;
}

const gqlBody = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ query, variables, ...extra });
const json = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
const editorHeaders = async () => ({ ...json, authorization: `Bearer ${await server.token('editor')}` });

const httpCases: HttpCase[] = [
  { name: 'invalid JSON', headers: json, body: '{"query": ', status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON that is not an object', headers: json, body: '42', status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON null', headers: json, body: 'null', status: 400, code: 'BAD_REQUEST' },
  { name: 'a batch (array) while batching is off', headers: json, body: JSON.stringify([{ query: '{ __typename }' }]), status: 400, code: 'BAD_REQUEST' },
  { name: 'no query', headers: json, body: '{}', status: 400, code: 'BAD_REQUEST' },
  { name: 'query that is not a string', headers: json, body: '{"query": 42}', status: 400, code: 'BAD_REQUEST' },
  { name: 'variables that are not an object', headers: json, body: '{"query": "{ __typename }", "variables": "x"}', status: 400, code: 'BAD_REQUEST' },
  { name: 'empty query', headers: json, body: gqlBody(''), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'syntax error', headers: json, body: gqlBody('{ story(slug: '), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'text/plain body (CSRF-able)', headers: { 'content-type': 'text/plain' }, body: gqlBody('{ __typename }'), status: 415, code: 'BAD_REQUEST' },
  { name: 'form body (CSRF-able)', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D', status: 415, code: 'BAD_REQUEST' },
  { name: 'multipart body', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--', status: 415, code: 'BAD_REQUEST' },
  { name: 'no content type', headers: {}, body: gqlBody('{ __typename }'), status: 415, code: 'BAD_REQUEST' },
  { name: 'chunked body without length', headers: json, body: gqlBody('{ __typename }'), chunked: true, status: 411, code: 'BAD_REQUEST' },
  { name: 'body over the size limit', headers: json, body: gqlBody(`{ search(query: "${'x'.repeat(20_000)}") { edges { cursor } } }`), status: 413, code: 'BAD_REQUEST' },
  { name: 'huge string within the body limit', headers: json, body: gqlBody('query ($q: String!) { search(query: $q) { edges { cursor } } }', { q: 'x'.repeat(10_000) }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'deeply nested query', headers: json, body: gqlBody(`{ story(slug: "x") { ${'entries { edges { node { story { '.repeat(6)} id ${'} } } }'.repeat(6)} } }`), status: 400, code: 'QUERY_LIMIT_EXCEEDED' },
  { name: 'alias bomb', headers: json, body: gqlBody(`{ ${Array.from({ length: 200 }, (_, i) => `a${i}: stories { edges { cursor } }`).join(' ')} }`), status: 400, code: 'QUERY_LIMIT_EXCEEDED' },
  { name: 'token bomb', headers: json, body: gqlBody(`{ ${'a '.repeat(2500)} }`), status: 400, code: 'QUERY_LIMIT_EXCEEDED' },
  { name: 'directive bomb', headers: json, body: gqlBody(`{ __typename ${'@include(if: true) '.repeat(30)} }`), status: 400, code: 'QUERY_LIMIT_EXCEEDED' },
  { name: 'fragment cycle', headers: json, body: gqlBody('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }'), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'unknown field', headers: json, body: gqlBody('{ secrets }'), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'unknown operation name', headers: json, body: gqlBody('query A { __typename }', undefined, { operationName: 'B' }), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'several operations and no name', headers: json, body: gqlBody('query A { __typename } query B { __typename }'), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'variable of the wrong type', headers: json, body: gqlBody('query ($n: Int) { stories(first: $n) { edges { cursor } } }', { n: 'ten' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'missing required variable', headers: json, body: gqlBody('query ($slug: String!) { story(slug: $slug) { id } }', {}), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'invalid UTF-8 in an argument', headers: json, body: Buffer.concat([Buffer.from('{"query":"{ story(slug: \\"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\\") { id } }"}')]), status: 200, code: 'NOT_FOUND' },
  { name: 'NUL escaped in a string literal', headers: json, body: gqlBody('{ story(slug: "a\\u0000b") { id } }'), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'NUL in a variable', headers: json, body: gqlBody('query ($q: String!) { search(query: $q) { edges { cursor } } }', { q: 'a\u0000b' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'NUL in a name prefix', headers: json, body: gqlBody('query ($p: String) { people(namePrefix: $p) { edges { cursor } } }', { p: '\u0000' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'cursor with a date PostgreSQL rejects', headers: json, body: gqlBody(`{ stories(after: "${Buffer.from('["Query.stories","0000-01-01T00:00:00.000Z",1]').toString('base64url')}") { edges { cursor } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor with a loosely written date', headers: json, body: gqlBody(`{ stories(after: "${Buffer.from('["Query.stories","1",5]').toString('base64url')}") { edges { cursor } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'malformed global ID', headers: json, body: gqlBody('{ node(id: "!!!") { id } }'), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'forged global ID', headers: json, body: gqlBody(`{ node(id: "${Buffer.from('Story:99999999999').toString('base64')}") { id } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'malformed cursor', headers: json, body: gqlBody('{ stories(after: "%%%") { edges { cursor } } }'), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor of another connection', headers: json, body: gqlBody(`{ people(after: "${Buffer.from('[1,2,3]').toString('base64url')}") { edges { cursor } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'oversize page', headers: json, body: gqlBody('{ stories(first: 1000) { edges { cursor } } }'), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'negative page', headers: json, body: gqlBody('{ stories(last: -5) { edges { cursor } } }'), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'mutation over GET', method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { publishEntry(input: { id: "x" }) { entry { id } } }')}`, headers: { accept: 'application/graphql-response+json' }, status: 405, code: 'BAD_REQUEST' },
  // PUT is graphql-sse's reservation of a single-connection stream: it answers only clients that accept its text/plain token.
  { name: 'PUT with a GraphQL body (not a stream reservation)', method: 'PUT', headers: json, body: gqlBody('{ __typename }'), status: 406 },
  { name: 'PATCH', method: 'PATCH', headers: json, body: gqlBody('{ __typename }'), status: 405 },
  { name: 'unknown path', path: '/graphqlx', headers: json, body: gqlBody('{ __typename }'), status: 404 },
  { name: 'unacceptable Accept header', headers: { 'content-type': 'application/json', accept: 'application/xml' }, body: gqlBody('{ __typename }'), status: 406 },
  { name: 'mutation without a token', headers: json, body: gqlBody(`mutation { publishEntry(input: { id: "x" }) { entry { id } } }`), status: 200, code: 'UNAUTHENTICATED' },
  { name: 'malformed Authorization header', headers: { ...json, authorization: 'Token abc' }, body: gqlBody('{ __typename }'), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'forged token', headers: { ...json, authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.' }, body: gqlBody('{ __typename }'), status: 401, code: 'UNAUTHENTICATED' },
];

function send(c: HttpCase): Promise<{ status: number; body: string }> {
  const url = new URL(c.path ?? '/graphql', server.url);
  return new Promise((resolve, reject) => {
    const body = c.body === undefined ? undefined : Buffer.from(c.body);
    const headers: Record<string, string | number> = { ...c.headers };
    if (body && !c.chunked) headers['content-length'] = body.length;
    const req = httpRequest(url, { method: c.method ?? 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

describe('hostile input over HTTP', () => {
  for (const c of httpCases) {
    it(`${c.name} → ${c.status}${c.code ? ` ${c.code}` : ''}`, async () => {
      const res = await send(c);
      expect(res.status, res.body.slice(0, 300)).toBe(c.status);
      if (c.code) expect((JSON.parse(res.body) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(c.code);
      await stillServing();
    });
  }

  it('invalid input to a mutation writes nothing (editor) → 200 BAD_USER_INPUT', async () => {
    const res = await send({
      name: 'bad entry',
      headers: await editorHeaders(),
      body: gqlBody('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story: storyId, headline: '', body: 'x'.repeat(30_000 / 3) } }),
      status: 200,
    });
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    await stillServing();
  });
});

interface Socket {
  socket: WebSocket;
  messages: { type: string; id?: string; payload?: unknown }[];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
}

function open(protocol = 'graphql-transport-ws', options: WebSocket.ClientOptions = {}): Socket {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, protocol, options);
  const messages: Socket['messages'] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Socket['messages'][number]));
  socket.on('error', () => {});
  return {
    socket,
    messages,
    opened: new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    }),
    closed: new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
  };
}

async function initialised(payload: Record<string, unknown> = {}): Promise<Socket> {
  const s = open();
  await s.opened;
  s.socket.send(JSON.stringify({ type: 'connection_init', payload }));
  for (let i = 0; i < 100 && !s.messages.some((m) => m.type === 'connection_ack'); i++) await new Promise((r) => setTimeout(r, 10));
  expect(s.messages[0]!.type).toBe('connection_ack');
  return s;
}

const waitFor = async <T>(read: () => T | undefined, ms = 3_000): Promise<T> => {
  for (const started = Date.now(); Date.now() - started < ms; await new Promise((r) => setTimeout(r, 10))) {
    const value = read();
    if (value !== undefined) return value;
  }
  throw new Error('timed out');
};

const subscribe = (id: string, query: string, variables?: Record<string, unknown>) => JSON.stringify({ id, type: 'subscribe', payload: { query, variables } });
const follow = 'subscription ($story: ID!) { storyEvents(story: $story) { cursor } }';

describe('hostile input over WebSocket', () => {
  const closes: { name: string; act: () => Promise<Socket>; code: number }[] = [
    {
      name: 'garbage frame',
      act: async () => {
        const s = await initialised();
        s.socket.send('this is not json');
        return s;
      },
      code: 4400,
    },
    {
      name: 'unknown message type',
      act: async () => {
        const s = await initialised();
        s.socket.send(JSON.stringify({ type: 'gimme' }));
        return s;
      },
      code: 4400,
    },
    {
      name: 'binary frame',
      act: async () => {
        const s = await initialised();
        s.socket.send(Buffer.from([0, 1, 2, 3]));
        return s;
      },
      code: 4400,
    },
    {
      name: 'subscribe before connection_ack',
      act: async () => {
        const s = open();
        await s.opened;
        s.socket.send(subscribe('1', follow, { story: storyId }));
        return s;
      },
      code: 4401,
    },
    {
      name: 'duplicate subscription id',
      act: async () => {
        const s = await initialised();
        s.socket.send(subscribe('same', follow, { story: storyId }));
        s.socket.send(subscribe('same', follow, { story: storyId }));
        return s;
      },
      code: 4409,
    },
    {
      name: 'a flood of connection_init',
      act: async () => {
        const s = open();
        await s.opened;
        for (let i = 0; i < 50; i++) s.socket.send(JSON.stringify({ type: 'connection_init' }));
        return s;
      },
      code: 4429,
    },
    {
      name: 'invalid token in connection_init',
      act: async () => {
        const s = open();
        await s.opened;
        s.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer forged' } }));
        return s;
      },
      code: 4403,
    },
    {
      name: 'a frame larger than the limit',
      act: async () => {
        const s = await initialised();
        s.socket.send(subscribe('big', `subscription { storyEvents(story: "${'x'.repeat(10_000)}") { cursor } }`));
        return s;
      },
      code: 1009,
    },
    {
      // The server selects no subprotocol, so the client aborts the handshake (1006 on the client side).
      name: 'wrong subprotocol',
      act: async () => open('graphql-ws'),
      code: 1006,
    },
    {
      name: 'no connection_init within the timeout',
      act: async () => {
        const s = open();
        await s.opened;
        return s;
      },
      code: 4408,
    },
  ];

  for (const c of closes) {
    it(`${c.name} → close ${c.code}`, async () => {
      const s = await c.act();
      const { code } = await s.closed;
      expect(code).toBe(c.code);
      await stillServing();
    });
  }

  it('an invalid operation → error message, the connection stays', async () => {
    const s = await initialised();
    s.socket.send(subscribe('bad', 'subscription { nothingHere }'));
    const error = await waitFor(() => s.messages.find((m) => m.type === 'error' && m.id === 'bad'));
    expect((error.payload as { extensions: { code: string } }[])[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(s.socket.readyState).toBe(WebSocket.OPEN);
    s.socket.close();
    await stillServing();
  });

  it('a story that does not exist → error NOT_FOUND', async () => {
    const s = await initialised();
    s.socket.send(subscribe('missing', follow, { story: Buffer.from('Story:424242').toString('base64') }));
    const next = await waitFor(() => s.messages.find((m) => m.id === 'missing' && (m.type === 'next' || m.type === 'error')));
    const errors = next.type === 'next' ? (next.payload as { errors: { extensions: { code: string } }[] }).errors : (next.payload as { extensions: { code: string } }[]);
    expect(errors[0]!.extensions.code).toBe('NOT_FOUND');
    s.socket.close();
  });

  it('a malformed story ID → BAD_USER_INPUT', async () => {
    const s = await initialised();
    s.socket.send(subscribe('malformed', follow, { story: '%%%' }));
    const next = await waitFor(() => s.messages.find((m) => m.id === 'malformed' && (m.type === 'next' || m.type === 'error')));
    const errors = next.type === 'next' ? (next.payload as { errors: { extensions: { code: string } }[] }).errors : (next.payload as { extensions: { code: string } }[]);
    expect(errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    s.socket.close();
  });

  it('more subscriptions than allowed on one connection → RATE_LIMITED', async () => {
    const s = await initialised();
    for (const id of ['1', '2', '3', '4']) s.socket.send(subscribe(id, follow, { story: storyId }));
    const error = await waitFor(() => s.messages.find((m) => m.type === 'error' && m.id === '4'));
    expect((error.payload as { extensions: { code: string } }[])[0]!.extensions.code).toBe('RATE_LIMITED');
    s.socket.close();
    await stillServing();
  });

  it('more connections than allowed from one address → upgrade refused with 429', async () => {
    const sockets = Array.from({ length: 20 }, () => open());
    await Promise.all(sockets.map((s) => s.opened));
    const extra = open();
    await expect(extra.opened).rejects.toThrow('HTTP 429');
    for (const s of sockets) s.socket.close();
    await Promise.all(sockets.map((s) => s.closed));
    await stillServing();
  });

  it('wrote nothing to the database through all of this', async () => {
    expect(await rowCounts()).toEqual(rowsBefore);
  });
});
