import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mintToken } from '../src/auth/tokens.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
beforeAll(async () => {
  server = await startTestServer();
  storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
});
afterAll(async () => {
  await server?.stop();
});

const createEntry = `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id status } } }`;
const input = () => ({ input: { story: storyId, headline: 'Auth test', body: 'Text.' } });

describe('who may write', () => {
  it('refuses anonymous writers with UNAUTHENTICATED', async () => {
    const res = await server.gql(createEntry, input());
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(res.data).toBeNull();
  });

  it('refuses readers with FORBIDDEN', async () => {
    const res = await server.gql(createEntry, input(), { authorization: `Bearer ${await server.token('reader')}` });
    expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('refuses an expired, forged or malformed token with 401 UNAUTHENTICATED', async () => {
    const expired = await server.token('editor', 'late', -10);
    const forged = await mintToken('another-secret-that-is-long-enough-for-hs256', { role: 'editor', subject: 'mallory', expiresIn: 3600 });
    for (const header of [`Bearer ${expired}`, `Bearer ${forged}`, 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz']) {
      const res = await server.gql('{ __typename }', undefined, { authorization: header });
      expect(res.status).toBe(401);
      expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    }
  });

  it('lets editors and admins write', async () => {
    for (const role of ['editor', 'admin'] as const) {
      const res = await server.gql<{ createEntry: { entry: { status: string } } }>(createEntry, input(), { authorization: `Bearer ${await server.token(role)}` });
      expect(res.errors).toBeUndefined();
      expect(res.data!.createEntry.entry.status).toBe('PUBLISHED');
    }
  });
});

describe('drafts stay with editors', () => {
  it('shows a draft to editors only, through queries and subscriptions', async () => {
    const editorToken = await server.token('editor');
    const readerClient = wsClient(server.url);
    const editorClient = wsClient(server.url, { authorization: `Bearer ${editorToken}` });
    const follow = `subscription ($story: ID!) { storyEvents(story: $story) { kind entry { headline status } } }`;
    type Event = { storyEvents: { kind: string; entry: { headline: string; status: string } } };
    const reader = collect<Event>(readerClient, follow, { story: storyId });
    const editor = collect<Event>(editorClient, follow, { story: storyId });
    for (let i = 0; i < 100 && server.app.live.stats().subscribers < 2; i++) await new Promise((r) => setTimeout(r, 20));

    const draft = await server.edit<{ createEntry: { entry: { id: string; status: string } } }>(createEntry, {
      input: { story: storyId, headline: 'Embargo fino alle 18', body: 'Bozza.', publish: false },
    });
    expect(draft.data!.createEntry.entry.status).toBe('DRAFT');
    const id = draft.data!.createEntry.entry.id;
    await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id, body: 'Bozza rivista.' } });

    const seen = await editor.waitFor(2);
    expect(seen.map((e) => e.storyEvents.kind)).toEqual(['DRAFTED', 'UPDATED']);
    await server.edit(`mutation ($input: PublishEntryInput!) { publishEntry(input: $input) { entry { id } } }`, { input: { id } });
    const afterPublish = await reader.waitFor(1);
    expect(afterPublish[0]!.storyEvents).toEqual({ kind: 'PUBLISHED', entry: { headline: 'Embargo fino alle 18', status: 'PUBLISHED' } });
    await editor.waitFor(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(reader.values).toHaveLength(1);
    await readerClient.dispose();
    await editorClient.dispose();
  });

  it('lists drafts to editors in connections, node and search, never to readers', async () => {
    const draft = await server.edit<{ createEntry: { entry: { id: string } } }>(createEntry, {
      input: { story: storyId, headline: 'Bozza segretissima', body: 'Riservato.', publish: false },
    });
    const id = draft.data!.createEntry.entry.id;
    const query = `query ($id: ID!) { node(id: $id) { id } search(query: "segretissima") { edges { node { id } } } story(slug: "${demoStory.slug}") { entries(first: 3) { edges { node { id } } } } }`;
    const asEditor = await server.edit<{ node: { id: string } | null; search: { edges: unknown[] }; story: { entries: { edges: { node: { id: string } }[] } } }>(query, { id });
    expect(asEditor.data!.node).toEqual({ id });
    expect(asEditor.data!.search.edges).toHaveLength(1);
    expect(asEditor.data!.story.entries.edges.map((e) => e.node.id)).toContain(id);
    const asReader = await server.gql<typeof asEditor.data>(query, { id });
    expect(asReader.data!.node).toBeNull();
    expect(asReader.data!.search.edges).toHaveLength(0);
    expect(asReader.data!.story.entries.edges.map((e) => e.node.id)).not.toContain(id);
  });
});

describe('WebSocket authentication', () => {
  const closeCode = (token: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('close', (code) => resolve(code));
    });

  it('closes the socket with 4403 for an invalid or expired token', async () => {
    expect(await closeCode('garbage')).toBe(4403);
    expect(await closeCode(await server.token('editor', 'late', -5))).toBe(4403);
  });

  it('closes the socket with 4403 when the token expires on an open connection', async () => {
    const token = await server.token('editor', 'brief', 3);
    const { acked, code } = await new Promise<{ acked: boolean; code: number }>((resolve) => {
      let acked = false;
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') acked = true;
      });
      socket.on('close', (c) => resolve({ acked, code: c }));
    });
    expect(acked).toBe(true);
    expect(code).toBe(4403);
  });
});

describe('Server-Sent Events', () => {
  it('streams the same events over SSE through Yoga', async () => {
    const controller = new AbortController();
    const query = `subscription ($story: ID!) { entryPublished(story: $story) { headline } }`;
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ story: storyId }))}`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await new Promise((r) => setTimeout(r, 300));
    await server.edit(createEntry, { input: { story: storyId, headline: 'Via SSE', body: 'Testo.' } });
    let text = '';
    while (!text.includes('Via SSE')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"entryPublished":{"headline":"Via SSE"}');
    controller.abort();
  });

  it('stops an SSE stream once its token has expired, before any further event', async () => {
    const token = await server.token('editor', 'brief-sse', 2);
    const controller = new AbortController();
    const query = `subscription ($story: ID!) { storyEvents(story: $story) { kind entry { headline } } }`;
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ story: storyId }))}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await new Promise((r) => setTimeout(r, 3_000));
    await server.edit(createEntry, { input: { story: storyId, headline: 'Draft after expiry', body: 'Bozza.', publish: false } });
    let text = '';
    const deadline = Date.now() + 5_000;
    while (!text.includes('UNAUTHENTICATED') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).not.toContain('Draft after expiry');
    controller.abort();
  });
});
