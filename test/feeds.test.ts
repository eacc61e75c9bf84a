/**
 * A story's Atom and JSON feeds, read by a real feed parser (feedsmith):
 * entries with their times and correction notes, retractions as tombstones,
 * validators answered with 304, linked from the story page.
 */
import { parseAtomFeed, parseJsonFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
/** feedsmith gives Atom text constructs as { value } objects. */
const text = (t: unknown) => (typeof t === 'string' ? t : (t as { value?: string } | undefined)?.value);
const ids: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const story = await server.edit<{ createStory: { story: { id: string } } }>(
    `mutation { createStory(input: { slug: "valley-floods", title: "Valley floods & storms", language: "en", status: LIVE, summary: "Rain <heavy> in the valley" }) { story { id } } }`,
  );
  const storyId = story.data!.createStory.story.id;
  for (const [headline, body] of [
    ['River rises past the old bridge', 'The gauge read 4.2 m at noon.'],
    ['Road closed near "Mill & Sons"', 'Detour via the north pass.'],
    ['School shut', 'Classes move online.'],
  ]) {
    const res = await server.edit<{ createEntry: { entry: { id: string } } }>(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
      input: { story: storyId, headline, body, author: 'Lena Ortiz' },
    });
    ids.push(res.data!.createEntry.entry.id);
  }
  await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id: ids[0], body: 'The gauge read 4.4 m at noon.', correctionNote: 'Gauge reading corrected.' } });
  await server.edit(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { input: { id: ids[2], correctionNote: 'The school stayed open.' } });
});
afterAll(() => server?.stop());

describe('feeds', () => {
  it('serves Atom that a feed parser reads, with a tombstone for the retraction', async () => {
    const res = await fetch(`${server.url}/live/valley-floods/feed.atom`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/atom+xml');
    const xml = await res.text();
    const feed = parseAtomFeed(xml);
    expect(text(feed.title)).toBe('Valley floods & storms');
    expect(text(feed.subtitle)).toBe('Rain <heavy> in the valley');
    const entries = feed.entries ?? [];
    expect(entries.map((e) => text(e.title))).toEqual(['Road closed near "Mill & Sons"', 'River rises past the old bridge']);
    const corrected = entries.find((e) => text(e.title) === 'River rises past the old bridge')!;
    expect(text(corrected.content)).toBe('The gauge read 4.4 m at noon.');
    expect(text(corrected.summary)).toBe('Correction: Gauge reading corrected.');
    expect(corrected.authors?.[0]?.name).toBe('Lena Ortiz');
    expect(corrected.updated).toBeDefined();
    // RFC 6721: the retracted entry is a deleted-entry, not an entry, and its text is gone.
    expect(xml.match(/<at:deleted-entry ref="urn:diretta:entry:[^"]+" when="[^"]+">/g)).toHaveLength(1);
    expect(xml).toContain('<at:comment>The school stayed open.</at:comment>');
    expect(xml).not.toContain('Classes move online');
  });

  it('serves JSON Feed 1.1 that a feed parser reads', async () => {
    const res = await fetch(`${server.url}/live/valley-floods/feed.json`);
    expect(res.headers.get('content-type')).toContain('application/feed+json');
    const feed = parseJsonFeed(await res.json());
    expect(feed.title).toBe('Valley floods & storms');
    expect(feed.items!.map((i) => i.title)).toEqual(['Retracted', 'Road closed near "Mill & Sons"', 'River rises past the old bridge']);
    expect(feed.items![0]!.content_text).toBe('This update was retracted. The school stayed open.');
    expect(JSON.stringify(feed)).not.toContain('Classes move online');
  });

  it('answers 304 to a reader that has the current version, and 200 once something changes', async () => {
    const first = await fetch(`${server.url}/live/valley-floods/feed.atom`);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect((await fetch(`${server.url}/live/valley-floods/feed.atom`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${server.url}/live/valley-floods/feed.atom`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    await new Promise((r) => setTimeout(r, 1_100)); // Last-Modified has one-second resolution
    await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id: ids[1], body: 'Detour via the south pass.' } });
    const changed = await fetch(`${server.url}/live/valley-floods/feed.atom`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('south pass');
  });

  it('is linked from the story page, and a feed of no story is a 404', async () => {
    const page = await (await fetch(`${server.url}/live/valley-floods`)).text();
    expect(page).toContain('<link rel="alternate" type="application/atom+xml" href="/live/valley-floods/feed.atom"');
    expect(page).toContain('<link rel="alternate" type="application/feed+json" href="/live/valley-floods/feed.json"');
    expect((await fetch(`${server.url}/live/no-such-story/feed.atom`)).status).toBe(404);
  });
});

describe('the feed of every live story', () => {
  beforeAll(async () => {
    for (const [slug, status, headline] of [
      ['harbour-fire', 'LIVE', 'Fire in the harbour warehouse'],
      ['old-election', 'LIVE', 'Polls closed'],
    ] as const) {
      const story = await server.edit<{ createStory: { story: { id: string } } }>(`mutation ($slug: String!, $status: StoryStatus!) { createStory(input: { slug: $slug, title: $slug, language: "en", status: $status }) { story { id } } }`, { slug, status });
      const id = story.data!.createStory.story.id;
      await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: id, headline, body: 'Text.' } });
      // A story that ended leaves the feed of live stories.
      if (slug === 'old-election') await server.edit(`mutation ($id: ID!) { setStoryStatus(input: { id: $id, status: ENDED }) { story { id } } }`, { id });
    }
  });

  it('serves Atom with the newest entries of every live story, tombstones included, each linking to its story', async () => {
    const res = await fetch(`${server.url}/feed.atom`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/atom+xml');
    const xml = await res.text();
    const feed = parseAtomFeed(xml);
    expect(feed.id).toBe('urn:diretta:live');
    const entries = feed.entries ?? [];
    expect(entries.map((e) => text(e.title))).toEqual(['Fire in the harbour warehouse', 'Road closed near "Mill & Sons"', 'River rises past the old bridge']);
    expect(entries[0]!.links?.[0]?.href).toMatch(/^\/live\/harbour-fire#entry-/);
    expect(entries[1]!.links?.[0]?.href).toMatch(/^\/live\/valley-floods#entry-/);
    expect(xml.match(/<at:deleted-entry /g)).toHaveLength(1);
    expect(xml).not.toContain('Polls closed');
    expect(xml).not.toContain('Classes move online');
  });

  it('serves JSON Feed 1.1, and answers 304 to a reader that has the current version', async () => {
    const res = await fetch(`${server.url}/feed.json`);
    expect(res.headers.get('content-type')).toContain('application/feed+json');
    const feed = parseJsonFeed(await res.json());
    expect(feed.items!.map((i) => i.title)).toEqual(['Fire in the harbour warehouse', 'Retracted', 'Road closed near "Mill & Sons"', 'River rises past the old bridge']);
    // Without PUBLIC_URL a JSON Feed has no base to resolve a relative URL against: it carries none (test/story-image.test.ts sets one).
    expect(feed.items!.every((i) => i.url === undefined)).toBe(true);
    expect(feed.home_page_url).toBeUndefined();
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${server.url}/feed.json`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${server.url}/feed.json`, { headers: { 'if-modified-since': res.headers.get('last-modified')! } })).status).toBe(304);
    await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id: ids[1], body: 'Detour via the west pass.' } });
    const changed = await fetch(`${server.url}/feed.json`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('west pass');
  });

  it('is linked from the index page', async () => {
    const page = await (await fetch(`${server.url}/`)).text();
    expect(page).toContain('<link rel="alternate" type="application/atom+xml" href="/feed.atom"');
    expect(page).toContain('<link rel="alternate" type="application/feed+json" href="/feed.json"');
  });
});
