/**
 * graphql-sse in both of its modes (issue #27), with the real `graphql-sse`
 * client against the real server at /graphql: the distinct-connections mode
 * (one stream per operation, Yoga's own SSE) and the single-connection mode
 * (PUT reserves a stream, operations carry its token: Yoga's graphql-sse
 * plugin, src/transport/graphql-sse.ts), with the same limits and the same
 * per-address metering.
 */
import { type Client, type ExecutionResult, createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

interface Collected<T> {
  values: ExecutionResult<T, unknown>[];
  errors: unknown[];
  completed: boolean;
  until(done: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

function collect<T>(client: Client<boolean>, query: string, variables?: Record<string, unknown>): Collected<T> {
  const collected: Collected<T> = {
    values: [],
    errors: [],
    completed: false,
    until: (done, what, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (done()) return resolve();
          if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(collected)}`));
          setTimeout(check, 10);
        };
        check();
      }),
    stop: () => {},
  };
  collected.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => void collected.values.push(value),
      error: (error) => void collected.errors.push(error),
      complete: () => void (collected.completed = true),
    },
  );
  return collected;
}

// Subscribed after the story's cursor, so that an event published before the server has the subscription is replayed, not missed.
const STORY_EVENTS = 'subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind cursor entry { headline } } }';
const eventCursor = async (target: TestServer, id: string) =>
  (await target.gql<{ node: { eventCursor: string } }>(`{ node(id: "${id}") { ... on Story { eventCursor } } }`)).data!.node.eventCursor;
type StoryEvent = { storyEvents: { kind: string; cursor: string; entry: { headline: string } | null } };

let server: TestServer;
let storyId: string;
const clients: Client[] = [];
const client = (singleConnection: boolean, headers: Record<string, string> = {}) => {
  const c = createClient({ url: `${server.url}/graphql`, singleConnection, retryAttempts: 0, headers });
  clients.push(c);
  return c;
};
const publish = (headline: string) =>
  server.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story: storyId, headline, body: 'Testo.' } });

beforeAll(async () => {
  server = await startTestServer();
  storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
});
afterAll(async () => {
  for (const c of clients) c.dispose();
  await server?.stop();
});

describe('graphql-sse, both modes', () => {
  for (const singleConnection of [false, true]) {
    const mode = singleConnection ? 'single connection' : 'distinct connections';

    it(`${mode}: a query, then a subscription that receives a publish`, async () => {
      const c = client(singleConnection);
      const answer = await new Promise<ExecutionResult<{ story: { title: string } }, unknown>>((resolve, reject) => {
        let result: ExecutionResult<{ story: { title: string } }, unknown> | null = null;
        c.subscribe<{ story: { title: string } }>({ query: `{ story(slug: "${demoStory.slug}") { title } }` }, { next: (v) => void (result = v), error: reject, complete: () => resolve(result!) });
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ story: { title: demoStory.title } });

      const events = collect<StoryEvent>(c, STORY_EVENTS, { story: storyId, after: await eventCursor(server, storyId) });
      await publish(`Via SSE (${mode})`);
      await events.until(() => events.values.some((v) => v.data?.storyEvents.entry?.headline === `Via SSE (${mode})`), 'the published entry');
      expect(events.errors).toEqual([]);
      expect(events.values[0]!.data!.storyEvents.kind).toBe('PUBLISHED');
      events.stop();
      if (singleConnection) await events.until(() => server.app.sseStreams.count === 1, 'one open stream');
    });

    it(`${mode}: the query limits apply (depth, with its path)`, async () => {
      const c = client(singleConnection);
      const deep = `subscription ($story: ID!) { storyEvents(story: $story) { entry { story { entries { edges { node { quotes { speaker { quotes { edges { node { entry { headline } } } } } } } } } } } } }`;
      const refused = collect(c, deep, { story: storyId });
      await refused.until(() => refused.values.length > 0 || refused.errors.length > 0, 'the refusal');
      // Refused before it runs, in either mode: one result carrying the error, then the end of the operation.
      expect(refused.errors).toEqual([]);
      const described = JSON.stringify(refused.values[0]!.errors);
      expect(described).not.toContain('"http"');
      expect(described).toContain('QUERY_LIMIT_EXCEEDED');
      expect(described).toContain('storyEvents.entry.story.entries.edges.node.quotes.speaker.quotes.edges.node.entry.headline');
    });
  }
});

describe('graphql-sse single-connection mode', () => {
  it('reserves with PUT (a random token), opens with GET, runs operations sent with the token', async () => {
    const put = await fetch(`${server.url}/graphql`, { method: 'PUT' });
    expect(put.status).toBe(201);
    const token = await put.text();
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token }, signal: controller.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const post = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
      body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: 'op-1' } }),
    });
    expect(post.status).toBe(202);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('event: complete')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/event: next\ndata: \{"id":"op-1","payload":\{"data":\{"__typename":"Query"\}/);
    expect(text).toContain('event: complete\ndata: {"id":"op-1"}');
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('refuses bad operations before they run, as Yoga does, each answer an error result on the stream', async () => {
    const token = await (await fetch(`${server.url}/graphql`, { method: 'PUT' })).text();
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token }, signal: controller.signal });
    const send = (operationId: string, body: Record<string, unknown>) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
        body: JSON.stringify({ ...body, extensions: { operationId } }),
      });
    const statuses = [
      await send('syntax', { query: '{ story(slug: ' }),
      await send('tokens', { query: `{ ${'__typename '.repeat(2100)} }` }),
      await send('nul', { query: 'query ($s: String!) { story(slug: $s) { id } }', variables: { s: 'a\u0000b' } }),
      await send('unknown-field', { query: '{ nope }' }),
    ].map((r) => r.status);
    expect(statuses).toEqual([202, 202, 202, 202]);
    const reader = stream.body!.getReader();
    let text = '';
    while ((text.match(/event: complete/g) ?? []).length < 4) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const results = new Map(
      [...text.matchAll(/event: next\ndata: (.*)\n/g)].map((m) => {
        const { id, payload } = JSON.parse(m[1]!) as { id: string; payload: { data: unknown; errors: { extensions: Record<string, unknown> }[] } };
        return [id, payload] as const;
      }),
    );
    expect(results.get('syntax')).toMatchObject({ data: null, errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    expect(results.get('tokens')).toMatchObject({ data: null, errors: [{ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'tokens' } }] });
    expect(results.get('nul')).toMatchObject({ data: null, errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    expect(results.get('unknown-field')).toMatchObject({ data: null, errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(text).not.toContain('"http"');
    const unknown = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': 'not-a-reservation' } });
    expect(unknown.status).toBe(404);
  });

  it('meters like the distinct-connections mode: SSE subscriptions and streams per address', async () => {
    // MAX_CONNECTIONS_PER_ADDRESS is 2: two subscriptions on one stream, the third refused, whichever mode.
    const own = await startTestServer({ MAX_CONNECTIONS_PER_ADDRESS: '2', SEED_DEMO: 'false' });
    const story = (await own.edit<{ createStory: { story: { id: string } } }>('mutation { createStory(input: { slug: "metered", title: "Metered", language: "en", status: LIVE }) { story { id } } }')).data!.createStory.story.id;
    for (const singleConnection of [true, false]) {
      const c = createClient({ url: `${own.url}/graphql`, singleConnection, retryAttempts: 0 });
      const after = await eventCursor(own, story);
      const subscriptions = [0, 1, 2].map(() => collect<StoryEvent>(c, STORY_EVENTS, { story, after }));
      const third = subscriptions[2]!;
      await third.until(() => third.values.length > 0 || third.errors.length > 0, 'the third subscription\'s refusal');
      if (singleConnection) {
        // On the shared stream: the operation's result, RATE_LIMITED.
        expect(third.errors).toEqual([]);
        expect(third.values[0]!.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
      } else {
        // A stream of its own: refused with HTTP 429 (Yoga's SSE, unchanged), which the client raises as a NetworkError.
        expect((third.errors[0] as { response?: Response }).response?.status).toBe(429);
      }
      await own.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story, headline: `Metered (${singleConnection})`, body: 'Testo.' } });
      for (const s of subscriptions.slice(0, 2)) await s.until(() => s.values.some((v) => v.data?.storyEvents.entry?.headline === `Metered (${singleConnection})`), 'a metered subscription\'s event');
      for (const s of subscriptions) s.stop();
      c.dispose();
      await new Promise((r) => setTimeout(r, 200));
    }
    // Streams count too: two reserved, the third PUT refused with 429.
    const until = Date.now() + 5_000;
    while (own.app.sseStreams.count > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(own.app.sseStreams.count).toBe(0);
    const put = () => fetch(`${own.url}/graphql`, { method: 'PUT' });
    const puts = [await put(), await put(), await put()];
    expect(puts.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(((await puts[2]!.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
    await own.stop();
    expect(own.app.sseStreams.count).toBe(0);
  });

  it('ends its streams on shutdown, so that stopping the server does not wait for them', async () => {
    const own = await startTestServer();
    const story = (await own.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    const c = createClient({ url: `${own.url}/graphql`, singleConnection: true, retryAttempts: 0 });
    const events = collect<StoryEvent>(c, STORY_EVENTS, { story });
    await events.until(() => own.app.sseStreams.count === 1, 'the stream to be reserved');
    // Reserved is not yet open: the stream carries the subscription once an event published now reaches it.
    for (let i = 0; events.values.length === 0 && i < 30; i++) {
      await own.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story, headline: `Prima della chiusura ${i}`, body: 'Testo.' } });
      await events.until(() => events.values.length > 0, 'a live event', 1_000).catch(() => {});
    }
    expect(events.values.length).toBeGreaterThan(0);
    // Without ending the stream, stop() would wait for it (for ever here: the test would time out).
    await own.stop();
    expect(own.app.sseStreams.count).toBe(0);
    await events.until(() => events.completed || events.errors.length > 0, 'the stream to end', 30_000);
    c.dispose();
  });
});
