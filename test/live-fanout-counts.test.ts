/**
 * Fan-out costs follow the distinct operations, not the subscribers: an
 * event is loaded from the log once per instance, and its selection is
 * executed once per distinct operation (document, variables, role).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveExecutionStats } from '../src/plugins/shared-event-execution.js';
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
});
