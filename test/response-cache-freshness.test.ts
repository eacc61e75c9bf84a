/**
 * The response cache drops what an event touched, and only that; and once
 * an instance has delivered an event to its subscribers, no read on that
 * instance answers with data older than the event — on one instance, and
 * on two sharing a PostgreSQL database (the event published through the
 * other). Counted in cache hits and stale answers, never timed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKind } from './helpers/database.js';
import { type TestServer, cacheHits as hits, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

const CACHE = { SEED_DEMO: 'false', RESPONSE_CACHE_TTL_MS: '600000', RESPONSE_CACHE_SEARCH_TTL_MS: '600000' };

async function create<T>(server: TestServer, mutation: string, input: Record<string, unknown>): Promise<T> {
  const res = await server.edit<Record<string, T>>(`mutation ($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { ${fieldOf(mutation)} { id } } }`, { input });
  expect(res.errors).toBeUndefined();
  return Object.values(res.data![mutation] as Record<string, T>)[0]!;
}
const fieldOf = (mutation: string) => ({ createStory: 'story', createPerson: 'person', createEntry: 'entry', updateEntry: 'entry', createQuote: 'quote' })[mutation]!;

const personPage = (slug: string) => `{ person(slug: "${slug}") { name quotes(first: 10) { edges { node { text entry { headline } story { title } } } } } }`;
const storyPage = (slug: string) => `{ story(slug: "${slug}") { title entries(first: 10) { edges { node { headline quotes { text speaker { name } } } } } } }`;
const searchFor = (term: string) => `{ search(query: "${term}", first: 10) { edges { node { headline } } } }`;

describe('response cache: what an event drops', () => {
  let server: TestServer;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer(CACHE);
    for (const slug of ['alpha', 'beta']) ids[slug] = (await create<{ id: string }>(server, 'createStory', { slug, title: slug, language: 'en', status: 'LIVE' })).id;
    for (const slug of ['ada', 'bob']) ids[slug] = (await create<{ id: string }>(server, 'createPerson', { slug, name: slug })).id;
    ids.quoted = (await create<{ id: string }>(server, 'createEntry', { story: ids.alpha, headline: 'Harbour reopens', body: 'Ships move again.', quotes: [{ text: 'We are open', speaker: ids.ada }] })).id;
    await create(server, 'createEntry', { story: ids.beta, headline: 'Bridge closed', body: 'Wind.', quotes: [{ text: 'Stay home', speaker: ids.bob }] });
  });
  afterAll(() => server?.stop());

  it('drops a person page listing a quote from an edited entry, and keeps the other person\'s and the other story\'s', async () => {
    const queries = [personPage('ada'), personPage('bob'), storyPage('beta')];
    await hits(server, queries);
    expect(await hits(server, queries)).toEqual([true, true, true]);

    const edit = await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { revision } } }`, { input: { id: ids.quoted, headline: 'Harbour reopens at dawn' } });
    expect(edit.errors).toBeUndefined();
    expect(await hits(server, queries)).toEqual([false, true, true]);
    const ada = await server.gql<{ person: { quotes: { edges: { node: { entry: { headline: string } } }[] } } }>(personPage('ada'));
    expect(ada.data!.person.quotes.edges.map((e) => e.node.entry.headline)).toEqual(['Harbour reopens at dawn']);
  });

  it('drops a person page when another story\'s new entry quotes them (the list gains a quote), and keeps the rest', async () => {
    const queries = [personPage('ada'), personPage('bob'), storyPage('alpha')];
    await hits(server, queries);
    expect(await hits(server, queries)).toEqual([true, true, true]);

    await create(server, 'createEntry', { story: ids.beta, headline: 'Ada in beta', body: 'Visit.', quotes: [{ text: 'Hello beta', speaker: ids.ada }] });
    expect(await hits(server, queries)).toEqual([false, true, true]);
    const ada = await server.gql<{ person: { quotes: { edges: { node: { text: string } }[] } } }>(personPage('ada'));
    expect(ada.data!.person.quotes.edges.map((e) => e.node.text)).toEqual(['Hello beta', 'We are open']);
  });

  it('keeps a search until its time to live, except when an entry it shows changes', async () => {
    const search = searchFor('harbour');
    await hits(server, [search]);
    // A new matching entry elsewhere does not drop it (it shows within RESPONSE_CACHE_SEARCH_TTL_MS)…
    await create(server, 'createEntry', { story: ids.beta, headline: 'Harbour pilots strike', body: 'No pilots.' });
    expect(await hits(server, [search])).toEqual([true]);
    // …an edit of an entry it shows does.
    const edit = await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { revision } } }`, { input: { id: ids.quoted, body: 'Ships move again, slowly.' } });
    expect(edit.errors).toBeUndefined();
    expect(await hits(server, [search])).toEqual([false]);
    const res = await server.gql<{ search: { edges: { node: { headline: string } }[] } }>(search);
    expect(res.data!.search.edges.map((e) => e.node.headline).sort()).toEqual(['Harbour pilots strike', 'Harbour reopens at dawn']);
  });

  it('expires a search after RESPONSE_CACHE_SEARCH_TTL_MS while a story page stays', async () => {
    const short = await startTestServer({ ...CACHE, RESPONSE_CACHE_SEARCH_TTL_MS: '1' });
    try {
      const story = await create<{ id: string }>(short, 'createStory', { slug: 'beta', title: 'beta', language: 'en', status: 'LIVE' });
      await create(short, 'createEntry', { story: story.id, headline: 'Bridge closed', body: 'Wind.' });
      const queries = [searchFor('bridge'), storyPage('beta')];
      await hits(short, queries);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await hits(short, queries)).toEqual([false, true]);
    } finally {
      await short.stop();
    }
  });
});

/**
 * A ticker on `reader` follows the story; each event it receives triggers an
 * anonymous read of the story page on `reader` at once, which must already
 * show the event's entry. The page is read (and cached) before every publish,
 * and entries go out in bursts, so the bus often loads several events in one
 * batch, before their NOTIFYs reach the cache.
 */
async function staleReadsAfterDelivery(reader: TestServer, writer: TestServer, slug: string, storyId: string, count: number): Promise<{ delivered: number; stale: number; reads: number }> {
  const client = wsClient(reader.url);
  const start = await reader.gql<{ story: { eventCursor: string } }>(`{ story(slug: "${slug}") { eventCursor } }`);
  const events = collect<{ storyEvents: { entry: { headline: string } | null } }>(client, `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { sequence entry { headline } } }`, {
    story: storyId,
    after: start.data!.story.eventCursor,
  });
  const page = `{ story(slug: "${slug}") { entries(first: 100) { edges { node { headline } } } } }`;
  const checks: Promise<boolean>[] = [];
  let seen = 0;
  const watcher = setInterval(() => {
    // Each newly delivered event: read the page on the same instance now.
    for (; seen < events.values.length; seen++) {
      const headline = events.values[seen]!.storyEvents.entry!.headline;
      checks.push(reader.gql<{ story: { entries: { edges: { node: { headline: string } }[] } } }>(page).then((res) => res.data!.story.entries.edges.some((e) => e.node.headline === headline)));
    }
  }, 1);
  try {
    // Subscribed (the first event arrived), and the page cached.
    await writer.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline: `${slug} warm-up`, body: 'x' } });
    await events.waitFor(1);
    for (let burst = 0; burst < count / 5; burst++) {
      await reader.gql(page);
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          writer.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline: `${slug} ${burst}-${i}`, body: 'x' } }),
        ),
      );
      await reader.gql(page);
    }
    await events.waitFor(count + 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    clearInterval(watcher);
    events.stop();
    await client.dispose();
  }
  const fresh = await Promise.all(checks);
  return { delivered: events.values.length, stale: fresh.filter((ok) => !ok).length, reads: fresh.length };
}

describe('response cache: freshness after delivery', () => {
  it('on one instance, no read after an event was delivered misses it', async () => {
    const server = await startTestServer(CACHE);
    try {
      const story = await create<{ id: string }>(server, 'createStory', { slug: 'one', title: 'One', language: 'en', status: 'LIVE' });
      const result = await staleReadsAfterDelivery(server, server, 'one', story.id, 20);
      expect(result.delivered).toBe(21);
      expect(result.reads).toBe(21);
      expect(result.stale).toBe(0);
      expect(server.app.responseCache.stats().hits).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it.runIf(databaseKind === 'postgres')('on two instances, an event published through one is never missing from a read on the other after delivery there', async () => {
    const reader = await startTestServer(CACHE);
    const writer = await startTestServer(CACHE, reader.database);
    try {
      const story = await create<{ id: string }>(writer, 'createStory', { slug: 'two', title: 'Two', language: 'en', status: 'LIVE' });
      const result = await staleReadsAfterDelivery(reader, writer, 'two', story.id, 40);
      expect(result.delivered).toBe(41);
      expect(result.reads).toBe(41);
      expect(result.stale).toBe(0);
      expect(reader.app.responseCache.stats().hits).toBeGreaterThan(0);
    } finally {
      await writer.stop();
      await reader.stop();
    }
  });

  it.runIf(databaseKind === 'postgres')("on two instances, a story's new title, once its STORY_UPDATED event was delivered on the other, is what the other's readers get", async () => {
    const reader = await startTestServer(CACHE);
    const writer = await startTestServer(CACHE, reader.database);
    const client = wsClient(reader.url);
    try {
      const story = await create<{ id: string }>(writer, 'createStory', { slug: 'renamed', title: 'Old title', language: 'en', status: 'LIVE' });
      const titleOn = async (server: TestServer) => (await server.gql<{ story: { title: string } }>(`{ story(slug: "renamed") { title } }`)).data!.story.title;
      expect(await titleOn(reader)).toBe('Old title');
      expect(await hits(reader, [`{ story(slug: "renamed") { title } }`])).toEqual([true]); // cached on the reader
      const cursor = (await reader.gql<{ story: { eventCursor: string } }>(`{ story(slug: "renamed") { eventCursor } }`)).data!.story.eventCursor;
      const stream = collect<{ storyEvents: { kind: string; story: { title: string } } }>(client, `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind story { title } } }`, { story: story.id, after: cursor });
      const edit = await writer.edit(`mutation ($input: UpdateStoryInput!) { updateStory(input: $input) { story { title } } }`, { input: { id: story.id, title: 'New title' } });
      expect(edit.errors).toBeUndefined();
      const [event] = await stream.waitFor(1);
      stream.stop();
      expect(event!.storyEvents).toEqual({ kind: 'STORY_UPDATED', story: { title: 'New title' } });
      expect(await titleOn(reader)).toBe('New title');
    } finally {
      await client.dispose();
      await writer.stop();
      await reader.stop();
    }
  });
});
