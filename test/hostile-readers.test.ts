/**
 * Anonymous requests that cost more than the limits say (issue "Hostile
 * readers, round two"): page sizes passed as variables or their defaults,
 * a JSON document field aliased many times, a cache key per unused variable,
 * answers too large to keep, and SSE streams opened by the hundred. Each is
 * refused or bounded; counted in items, entries and bytes, not in seconds.
 */
import { once } from 'node:events';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TEST_JWT_SECRET, type TestServer, startTestServer } from './helpers/server.js';
import { wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;

beforeAll(async () => {
  server = await startTestServer({
    SEED_DEMO: 'false',
    MAX_CONNECTIONS_PER_ADDRESS: '3',
    MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
    RESPONSE_CACHE_TTL_MS: '60000',
    RESPONSE_CACHE_MAX_BYTES: '6000',
    RESPONSE_CACHE_MAX_ENTRY_BYTES: '3000',
  });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(
    `mutation { createStory(input: { slug: "hostile", title: "Hostile", language: "en", status: LIVE }) { story { id } } }`,
  );
  storyId = created.data!.createStory.story.id;
  for (let i = 0; i < 3; i++) {
    await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
      input: { story: storyId, headline: `Entry ${i}`, body: 'x'.repeat(1_200) },
    });
  }
});
afterAll(() => server?.stop());

const costError = (res: { status: number; errors?: { extensions?: Record<string, unknown> }[] }) => {
  expect(res.status).toBe(400);
  const error = res.errors?.find((e) => e.extensions?.code === 'QUERY_LIMIT_EXCEEDED');
  expect(error?.extensions, JSON.stringify(res.errors)).toMatchObject({ limit: 'cost', max: 20_000 });
  return error!.extensions!.found as number;
};

describe('the cost limit', () => {
  const nested = `query ($n: Int = 100) { stories(first: $n) { edges { node { entries(first: $n) { edges { node { headline quotes { text } } } } } } } }`;

  it('counts page sizes given by a variable default', async () => {
    expect(costError(await server.gql(nested))).toBe(100 + 100 * 100 + 100 * 100 * 10);
  });

  it('counts page sizes given by a variable value', async () => {
    const query = `query ($n: Int) { stories(first: $n) { edges { node { entries(first: $n) { edges { node { headline quotes { text } } } } } } } }`;
    expect(costError(await server.gql(query, { n: 100 }))).toBe(100 + 100 * 100 + 100 * 100 * 10);
    // The same document with small pages runs.
    const small = await server.gql(query, { n: 5 });
    expect(small.errors).toBeUndefined();
  });

  it('counts a JSON-LD document as the entries it holds, per alias', async () => {
    const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: liveBlogPosting(url: $u)`).join(' ');
    const res = await server.gql(`query ($u: String) { stories(first: 100) { edges { node { ${aliases} } } } }`, { u: `https://example.com/${'x'.repeat(1_900)}` });
    expect(costError(res)).toBe(100 + 100 * 15 * 100);
    // One document for one story is cheap.
    const one = await server.gql(`{ story(slug: "hostile") { liveBlogPosting } }`);
    expect(one.errors).toBeUndefined();
  });

  it('refuses a costly subscription too, over WebSocket', async () => {
    const client = wsClient(server.url);
    const aliases = Array.from({ length: 201 }, (_, i) => `a${i}: liveBlogPosting`).join(' ');
    const errors: unknown[] = [];
    await new Promise<void>((resolve) => {
      client.subscribe(
        { query: `subscription ($story: ID!) { entryPublished(story: $story) { story { ${aliases} } } }`, variables: { story: storyId } },
        { next: (r) => (r.errors ? errors.push(...r.errors) : undefined), error: (e) => (errors.push(e), resolve()), complete: resolve },
      );
    });
    await client.dispose();
    expect(JSON.stringify(errors)).toContain('QUERY_LIMIT_EXCEEDED');
  });
});

describe('the response cache', () => {
  it('keys on the variables a query uses, not on any variable sent', async () => {
    const query = `query ($slug: String!) { story(slug: $slug) { title } }`;
    const before = server.app.responseCache.stats();
    for (let i = 0; i < 20; i++) {
      const res = await server.gql(query, { slug: 'hostile', junk: `value-${i}` });
      expect(res.errors).toBeUndefined();
    }
    const after = server.app.responseCache.stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(19);
  });

  it('holds at most its bytes, and no answer larger than one entry may be', async () => {
    for (let i = 0; i < 30; i++) await server.gql(`{ a${i}: story(slug: "hostile") { title summary status } }`);
    expect(server.app.responseCache.stats().bytes).toBeLessThanOrEqual(6_000);
    expect(server.app.responseCache.stats().entries).toBeGreaterThan(1);
    const before = server.app.responseCache.stats().misses;
    const big = `{ story(slug: "hostile") { entries(first: 3) { edges { node { body } } } } }`;
    await server.gql(big);
    await server.gql(big);
    // Over RESPONSE_CACHE_MAX_ENTRY_BYTES (3 × 1,200 bytes of body and more): computed each time.
    expect(server.app.responseCache.stats().misses - before).toBe(2);
    expect(server.app.responseCache.stats().bytes).toBeLessThanOrEqual(6_000);
  });
});

describe('live streams per client', () => {
  const follow = `subscription ($story: ID!) { storyEvents(story: $story) { sequence } }`;

  it('caps SSE streams per address like WebSockets, and frees a slot when one ends', async () => {
    const open = async () => {
      const controller = new AbortController();
      const url = `${server.url}/graphql?query=${encodeURIComponent(follow)}&variables=${encodeURIComponent(JSON.stringify({ story: storyId }))}`;
      const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
      const reader = response.body!.getReader();
      // A refused stream says so at once; an accepted one sends only keep-alive comments (":") until an event.
      let first = '';
      const deadline = Date.now() + 500;
      while (Date.now() < deadline && !first.includes('event:')) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(r, deadline - Date.now(), null))]);
        if (!chunk || chunk.done) break;
        first += new TextDecoder().decode(chunk.value);
      }
      first = first.split('\n').filter((line) => line && !line.startsWith(':')).join('\n');
      return { controller, first };
    };
    const streams = [await open(), await open(), await open()];
    expect(streams.map((s) => s.first)).toEqual(['', '', '']);
    const refused = await open();
    expect(refused.first).toContain('RATE_LIMITED');
    refused.controller.abort();
    streams[0]!.controller.abort();
    await new Promise((r) => setTimeout(r, 200));
    const again = await open();
    expect(again.first).toBe('');
    for (const s of [...streams, again]) s.controller.abort();
  });

  it('allows exactly MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions on one WebSocket', async () => {
    const client = wsClient(server.url);
    const outcomes: string[] = [];
    const disposers = [1, 2, 3, 4].map((i) =>
      client.subscribe({ query: follow, variables: { story: storyId } }, {
        next: () => {},
        error: (e) => outcomes.push(`${i}: ${JSON.stringify(e)}`),
        complete: () => {},
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatch(/^4: .*RATE_LIMITED/);
    disposers.forEach((d) => d());
    await client.dispose();
  });
});

describe('token claims', () => {
  const forge = async (claims: Record<string, unknown>, iat?: number) => {
    const jwt = new SignJWT({ role: 'editor', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('diretta').setExpirationTime('1h');
    if (iat !== undefined) jwt.setIssuedAt(iat);
    return jwt.sign(new TextEncoder().encode(TEST_JWT_SECRET));
  };
  const cases: [string, Promise<string>][] = [
    ['a subject that is an object', forge({ sub: { name: 'x' } })],
    ['a subject of 5,000 characters', forge({ sub: 'x'.repeat(5_000) })],
    ['a subject with a NUL', forge({ sub: 'edi\u0000tor' })],
    ['an empty subject', forge({ sub: '' })],
    ['a token issued an hour from now', forge({ sub: 'editor' }, Math.floor(Date.now() / 1000) + 3_600)],
  ];
  for (const [name, token] of cases) {
    it(`refuses ${name} with 401 UNAUTHENTICATED`, async () => {
      const res = await server.gql('{ __typename }', undefined, { authorization: `Bearer ${await token}` });
      expect(res.status).toBe(401);
      expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    });
  }
  it('accepts a well-formed one', async () => {
    const res = await server.gql('{ __typename }', undefined, { authorization: `Bearer ${await forge({ sub: 'Giulia Rossi' }, Math.floor(Date.now() / 1000))}` });
    expect(res.status).toBe(200);
  });
});

describe('graphql-ws protocol errors', () => {
  it('closes with 4400, not 4500, when a client sends a message only a server may send', async () => {
    for (const message of [{ type: 'next', id: '1', payload: {} }, { type: 'connection_ack' }]) {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      await once(socket, 'open');
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await once(socket, 'message');
      const closed = once(socket, 'close') as Promise<[number, Buffer]>;
      socket.send(JSON.stringify(message));
      const [code] = await closed;
      expect(code).toBe(4400);
    }
  });
});

describe('request ids', () => {
  it('are on every response, whichever part of the server answers, and a sane given one is kept', async () => {
    const answers = [
      await fetch(`${server.url}/health`),
      await fetch(`${server.url}/ready`),
      await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ __typename }' }),
      await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(200_000)}` }) }),
      await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) }),
      await fetch(`${server.url}/live/hostile`),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 415, 413, 200, 200]);
    for (const r of answers) expect(r.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    const given = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'desk-42' } });
    expect(given.headers.get('x-request-id')).toBe('desk-42');
  });
});
