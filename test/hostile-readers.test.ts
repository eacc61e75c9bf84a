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
import { collect, wsClient } from './helpers/ws.js';

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

describe('what readers see of a story moves only with what they can see', () => {
  type Seen = { story: { updatedAt: string; eventCursor: string; liveBlogPosting: { dateModified: string } } };
  // A new alias each time: the response cache cannot answer for an earlier read.
  const read = async (n: number) => {
    const res = await server.gql<Record<string, Seen['story']>>(`{ r${n}: story(slug: "hostile") { updatedAt eventCursor liveBlogPosting } }`);
    expect(res.errors).toBeUndefined();
    return res.data![`r${n}`]!;
  };
  const events = `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { sequence cursor kind } }`;
  type Event = { storyEvents: { sequence: number; cursor: string; kind: string } };

  it('keeps updatedAt, dateModified and eventCursor still while an editor writes a draft, and numbers replayed events without gaps', async () => {
    const before = await read(1);
    const draft = await server.edit<{ createEntry: { entry: { id: string } } }>(
      `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`,
      { input: { story: storyId, headline: 'Embargoed', body: 'Not yet.', publish: false } },
    );
    expect(draft.errors).toBeUndefined();
    const draftId = draft.data!.createEntry.entry.id;
    expect((await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id: draftId, body: 'Still not.' } })).errors).toBeUndefined();
    const during = await read(2);
    expect(during).toEqual(before);

    expect((await server.edit(`mutation ($input: PublishEntryInput!) { publishEntry(input: $input) { entry { id } } }`, { input: { id: draftId } })).errors).toBeUndefined();
    const after = await read(3);
    expect(after.eventCursor).not.toBe(before.eventCursor);
    expect(new Date(after.updatedAt).getTime()).toBeGreaterThan(new Date(before.updatedAt).getTime());

    // A reader replaying the whole log sees 1, 2, 3… and the publication right after what it saw before.
    const reader = wsClient(server.url);
    const all = collect<Event>(reader, events, { story: storyId, after: Buffer.from(`${Buffer.from(storyId, 'base64').toString().split(':')[1]}:0:p`).toString('base64url') });
    const replayed = (await all.waitFor(4)).map((e) => e.storyEvents);
    expect(replayed.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(replayed.at(-1)!.cursor).toBe(after.eventCursor);
    // Resuming from the cursor read before the draft: the publication and nothing else.
    const resumed = collect<Event>(reader, events, { story: storyId, after: before.eventCursor });
    expect((await resumed.waitFor(1)).map((e) => [e.storyEvents.sequence, e.storyEvents.kind])).toEqual([[4, 'PUBLISHED']]);
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.values).toHaveLength(1);
    all.stop();
    resumed.stop();
    await reader.dispose();

    // An editor resuming from that reader's cursor gets the draft's events too, in the editors' numbering.
    const editor = wsClient(server.url, { authorization: `Bearer ${await server.token('editor')}` });
    const edits = collect<Event>(editor, events, { story: storyId, after: before.eventCursor });
    const kinds = (await edits.waitFor(3)).map((e) => e.storyEvents.kind);
    expect(kinds).toEqual(['DRAFTED', 'UPDATED', 'PUBLISHED']);
    edits.stop();
    await editor.dispose();
  });
});

describe('two editors moving two places under each other at once', () => {
  it('never answers INTERNAL_SERVER_ERROR, never leaves a cycle: a lost race is retried once, then CONFLICT', async () => {
    const alice = { authorization: `Bearer ${await server.token('editor', 'alice')}` };
    const bruno = { authorization: `Bearer ${await server.token('editor', 'bruno')}` };
    const create = async (slug: string) => {
      const res = await server.edit<{ createPlace: { place: { id: string } } }>(
        `mutation ($input: CreatePlaceInput!) { createPlace(input: $input) { place { id } } }`,
        { input: { slug, name: slug, kind: 'CITY' } },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.createPlace.place.id;
    };
    const move = (id: string, parent: string, headers: Record<string, string>) =>
      server.gql(`mutation ($input: UpdatePlaceInput!) { updatePlace(input: $input) { place { id } } }`, { input: { id, parent } }, headers);
    const codes: string[] = [];
    for (let pair = 0; pair < 10; pair++) {
      const [a, b] = [await create(`race-a-${pair}`), await create(`race-b-${pair}`)];
      const answers = await Promise.all([move(a, b, alice), move(b, a, bruno)]);
      const succeeded = answers.filter((r) => !r.errors);
      // Both moves would make a cycle together: at most one may win.
      expect(succeeded.length).toBeLessThanOrEqual(1);
      for (const r of answers) if (r.errors) codes.push(String(r.errors[0]!.extensions?.code));
    }
    expect(codes.length).toBeGreaterThanOrEqual(10);
    for (const code of codes) expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(code);
  });
});
