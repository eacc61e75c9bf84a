/**
 * A story event drops only the cached answers that may show it: answers
 * about that story, and answers that span stories; answers about other
 * stories stay cached. Counted in cache hits and misses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, cacheHits, startTestServer } from './helpers/server.js';

let server: TestServer;
const storyIds: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false', RESPONSE_CACHE_TTL_MS: '60000' });
  for (const slug of ['north', 'south']) {
    const res = await server.edit<{ createStory: { story: { id: string } } }>(`mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id } } }`, {
      input: { slug, title: slug, language: 'en', status: 'LIVE' },
    });
    storyIds[slug] = res.data!.createStory.story.id;
  }
  // Someone both stories mention: south's page lists her entries across stories, north's among them.
  const ada = await server.edit<{ createPerson: { person: { id: string } } }>(`mutation { createPerson(input: { slug: "ada", name: "Ada" }) { person { id } } }`);
  adaId = ada.data!.createPerson.person.id;
  const south = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyIds.south, headline: 'Calm', body: 'Text.', people: [adaId] } });
  expect(south.errors).toBeUndefined();
});
let adaId = '';
afterAll(() => server?.stop());

const page = (slug: string) => `{ story(slug: "${slug}") { title entries(first: 5) { edges { node { headline people { name } } } } } }`;
const crossStory = (slug: string) => `{ story(slug: "${slug}") { title people(first: 5) { edges { node { name entries(first: 3) { edges { node { headline } } } } } } } }`;
const list = `{ stories(first: 10) { edges { node { slug } } } }`;

async function publish(slug: string, headline: string) {
  const res = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyIds[slug], headline, body: 'Text.', people: [adaId] } });
  expect(res.errors).toBeUndefined();
}

describe('response cache scope', () => {
  it('keeps the other story\'s page cached when one story changes, through the NOTIFY every instance hears', async () => {
    const queries = [page('north'), page('south'), list, crossStory('south')];
    await cacheHits(server, queries); // fill
    expect(await cacheHits(server, queries)).toEqual([true, true, true, true]);

    // A publish on this instance: its answer comes once this instance has heard the event's NOTIFY.
    const before = server.app.responseCache.stats().invalidations;
    await publish('north', 'Wind picks up');
    expect(server.app.responseCache.stats().invalidations).toBe(before + 1);
    await cacheHits(server, queries);
    expect(await cacheHits(server, queries)).toEqual([true, true, true, true]);

    // What another instance's event does: only the NOTIFY (no local mutation).
    server.app.responseCache.invalidateStory(Number(Buffer.from(storyIds.north!, 'base64').toString().split(':')[1]));
    // north's page goes; south's stays; the list and the page reading people across stories go.
    expect(await cacheHits(server, queries)).toEqual([false, true, false, false]);
    const after = await server.gql<{ story: { entries: { edges: { node: { headline: string } }[] } } }>(page('north'));
    expect(after.data!.story.entries.edges.map((e) => e.node.headline)).toEqual(['Wind picks up']);
  });
});
