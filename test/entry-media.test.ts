/**
 * Entry.media: images with alt text, caption, credit and size, written with
 * createEntry and updateEntry (https only, validated field by field), shown
 * to readers until the entry is retracted, carried by replays of the event
 * log and by the story's JSON-LD; bylines come from the token's display name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/tokens.js';
import { TEST_JWT_SECRET, type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;

const createEntry = `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id author media { url alt caption credit width height } } } }`;
const updateEntry = `mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id media { url } } } }`;
const photo = { url: 'https://images.example.com/flood.jpg', alt: 'Water over the old bridge', caption: 'The river at noon', credit: 'Lena Ortiz', width: 1600, height: 900 };

interface Created {
  createEntry: { entry: { id: string; author: string | null; media: (typeof photo)[] } };
}

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const story = await server.edit<{ createStory: { story: { id: string } } }>(
    `mutation { createStory(input: { slug: "media-story", title: "Media", language: "en", status: LIVE }) { story { id } } }`,
  );
  storyId = story.data!.createStory.story.id;
});

afterAll(async () => {
  await server?.stop();
});

describe('Entry.media', () => {
  it('stores images in order with every field, and shows them to readers and in the JSON-LD', async () => {
    const second = { url: 'https://images.example.com/map.png', alt: 'Map of the closed roads' };
    const created = await server.edit<Created>(createEntry, { input: { story: storyId, headline: 'Flood', body: 'The river rose.', media: [photo, second] } });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createEntry.entry.media).toEqual([photo, { ...second, caption: null, credit: null, width: null, height: null }]);
    const read = await server.gql<{ node: { media: { url: string }[] } }>(`query ($id: ID!) { node(id: $id) { ... on Entry { media { url } } } }`, { id: created.data!.createEntry.entry.id });
    expect(read.data!.node.media.map((m) => m.url)).toEqual([photo.url, second.url]);
    const posting = await server.gql<{ story: { liveBlogPosting: { liveBlogUpdate: { headline: string; image?: unknown[] }[] } } }>(`{ story(slug: "media-story") { liveBlogPosting } }`);
    const update = posting.data!.story.liveBlogPosting.liveBlogUpdate.find((u) => u.headline === 'Flood')!;
    expect(update.image).toEqual([
      { '@type': 'ImageObject', url: photo.url, contentUrl: photo.url, description: photo.alt, caption: photo.caption, creditText: photo.credit, width: 1600, height: 900 },
      { '@type': 'ImageObject', url: second.url, contentUrl: second.url, description: second.alt },
    ]);
  });

  it('replaces the list on update, clears it with [], and replays the images each event carried', async () => {
    const start = (await server.gql<{ story: { id: string; eventCursor: string } }>(`{ story(slug: "media-story") { id eventCursor } }`)).data!.story;
    const created = await server.edit<Created>(createEntry, { input: { story: storyId, headline: 'Bridge', body: 'Closed.' } });
    const id = created.data!.createEntry.entry.id;
    expect(created.data!.createEntry.entry.media).toEqual([]);
    const added = await server.edit<{ updateEntry: { entry: { media: { url: string }[] } } }>(updateEntry, { input: { id, media: [photo] } });
    expect(added.data!.updateEntry.entry.media).toEqual([{ url: photo.url }]);
    const untouched = await server.edit<{ updateEntry: { entry: { media: { url: string }[] } } }>(updateEntry, { input: { id, headline: 'Bridge closed' } });
    expect(untouched.data!.updateEntry.entry.media).toEqual([{ url: photo.url }]);
    const cleared = await server.edit<{ updateEntry: { entry: { media: { url: string }[] } } }>(updateEntry, { input: { id, media: [] } });
    expect(cleared.data!.updateEntry.entry.media).toEqual([]);
    // The event log replays each event with the images the entry had then.
    const client = wsClient(server.url);
    try {
      const replay = collect<{ storyEvents: { kind: string; entry: { media: { url: string }[] } } }>(
        client,
        `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { media { url } } } }`,
        { story: start.id, after: start.eventCursor },
      );
      const events = await replay.waitFor(4);
      replay.stop();
      expect(events.map((e) => [e.storyEvents.kind, e.storyEvents.entry.media.length])).toEqual([['PUBLISHED', 0], ['UPDATED', 1], ['UPDATED', 1], ['UPDATED', 0]]);
    } finally {
      await client.dispose();
    }
  });

  it('shows a retracted entry\'s images to nobody but editors', async () => {
    const created = await server.edit<Created>(createEntry, { input: { story: storyId, headline: 'Unverified', body: 'Maybe.', media: [photo] } });
    const id = created.data!.createEntry.entry.id;
    await server.edit(`mutation ($id: ID!) { retractEntry(input: { id: $id }) { entry { id } } }`, { id });
    const query = `query ($id: ID!) { node(id: $id) { ... on Entry { media { url } } } }`;
    expect((await server.gql<{ node: { media: unknown[] } }>(query, { id })).data!.node.media).toEqual([]);
    expect((await server.edit<{ node: { media: unknown[] } }>(query, { id })).data!.node.media).toEqual([{ url: photo.url }]);
  });

  it.each([
    ['http://images.example.com/a.jpg', 'url'],
    ['javascript:alert(1)', 'url'],
    ['data:image/png;base64,AAAA', 'url'],
    ['https://user:secret@images.example.com/a.jpg', 'url'],
    ['/relative/a.jpg', 'url'],
  ])('refuses %s as an image URL, naming the field', async (url, field) => {
    const res = await server.edit(createEntry, { input: { story: storyId, headline: 'Bad', body: 'Bad.', media: [{ ...photo, url }] } });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: `input.media.0.${field}` });
  });

  it('refuses a blank alt text, bad sizes and more than 10 images, listing every problem', async () => {
    const res = await server.edit(createEntry, { input: { story: storyId, headline: 'Bad', body: 'Bad.', media: [{ ...photo, alt: '  ', width: 0, height: 30_000 }] } });
    const problems = (res.errors![0]!.extensions as { problems: { field: string }[] }).problems.map((p) => p.field);
    expect(problems).toEqual(['input.media.0.alt', 'input.media.0.width', 'input.media.0.height']);
    const many = await server.edit(createEntry, { input: { story: storyId, headline: 'Many', body: 'Many.', media: Array.from({ length: 11 }, () => photo) } });
    expect(many.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.media' });
    const onUpdate = await server.edit(updateEntry, { input: { id: 'RW50cnk6MQ==', media: [{ ...photo, url: 'ftp://x/y' }] } });
    expect(onUpdate.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.media.0.url' });
  });
});

describe('bylines', () => {
  it('are the token\'s display name, never its subject', async () => {
    const named = await mintToken(TEST_JWT_SECRET, { role: 'editor', subject: 'u-1001', name: 'Lena Ortiz', expiresIn: 600 });
    const withName = await server.gql<Created>(createEntry, { input: { story: storyId, headline: 'Named', body: 'Text.' } }, { authorization: `Bearer ${named}` });
    expect(withName.data!.createEntry.entry.author).toBe('Lena Ortiz');
    const unnamed = await server.edit<Created>(createEntry, { input: { story: storyId, headline: 'Unnamed', body: 'Text.' } });
    expect(unnamed.data!.createEntry.entry.author).toBeNull();
    const given = await server.gql<Created>(createEntry, { input: { story: storyId, headline: 'Given', body: 'Text.', author: 'Desk' } }, { authorization: `Bearer ${named}` });
    expect(given.data!.createEntry.entry.author).toBe('Desk');
  });

  it('refuses a token whose name is not printable text', async () => {
    const bad = await mintToken(TEST_JWT_SECRET, { role: 'editor', subject: 'u-1002', name: 'a\u0000b', expiresIn: 600 });
    const res = await server.gql('{ __typename }', undefined, { authorization: `Bearer ${bad}` });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
