import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { insertSyntheticStory } from './helpers/fixtures.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await insertSyntheticStory(server.app.database.db, { slug: 'english-story', entries: 3, language: 'en' });
});
afterAll(async () => {
  await server?.stop();
});

type Hits = { search: { edges: { rank: number; node: { headline: string; story: { slug: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
const search = `query ($q: String!, $story: ID, $first: Int, $after: String) {
  search(query: $q, story: $story, first: $first, after: $after) { edges { rank node { headline story { slug } } } pageInfo { hasNextPage endCursor } }
}`;

describe('full-text search', () => {
  it('stems Italian: "trattativa" finds entries about "trattative"', async () => {
    const res = await server.gql<Hits>(search, { q: 'trattativa' });
    expect(res.errors).toBeUndefined();
    const headlines = res.data!.search.edges.map((e) => e.node.headline);
    expect(headlines).toContain('Trump: le trattative proseguono ma c\'è odio tra i due paesi');
    const ranks = res.data!.search.edges.map((e) => e.rank);
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
    // The headline match weighs more than a body match.
    expect(headlines[0]).toBe('Trump: le trattative proseguono ma c\'è odio tra i due paesi');
  });

  it('analyses each story in its own language', async () => {
    const english = await server.gql<Hits>(search, { q: 'negotiation' });
    expect(english.data!.search.edges.map((e) => e.node.story.slug)).toEqual(['english-story', 'english-story', 'english-story']);
    const italian = await server.gql<Hits>(search, { q: 'droni' });
    expect(italian.data!.search.edges.length).toBeGreaterThanOrEqual(3);
    expect(italian.data!.search.edges.every((e) => e.node.story.slug === demoStory.slug)).toBe(true);
  });

  it('limits to one story and pages with cursors', async () => {
    const ids = await server.gql<{ story: { id: string } }>(`{ story(slug: "english-story") { id } }`);
    const first = await server.gql<Hits>(search, { q: 'update', story: ids.data!.story.id, first: 2 });
    expect(first.data!.search.edges).toHaveLength(2);
    expect(first.data!.search.pageInfo.hasNextPage).toBe(true);
    const rest = await server.gql<Hits>(search, { q: 'update', story: ids.data!.story.id, first: 2, after: first.data!.search.pageInfo.endCursor });
    expect(rest.data!.search.edges).toHaveLength(1);
    const all = [...first.data!.search.edges, ...rest.data!.search.edges].map((e) => e.node.headline);
    expect(new Set(all).size).toBe(3);
  });

  it('returns nothing, not an error, for a query of stop words only', async () => {
    const res = await server.gql<Hits>(search, { q: 'il la di' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.search.edges).toEqual([]);
  });
});
