import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSyntheticStory } from './helpers/fixtures.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  await insertSyntheticStory(server.app.database.db, { slug: 'fifty', entries: 50 });
});
afterAll(async () => {
  await server?.stop();
});

const storyPage = `query ($n: Int!) {
  story(slug: "fifty") {
    title
    counts { entries }
    pinnedEntry { headline }
    entries(first: $n) {
      edges { node {
        headline
        people { name stories { edges { node { slug } } } }
        places { name parent { name } }
        quotes { text speaker { name quotes(first: 2) { edges { node { text } } } } entry { headline } story { slug } }
      } }
    }
    people(first: 10) { edges { mentions node { name } } }
  }
}`;

describe('statements per request follow the query, not the rows', () => {
  it('runs as many statements for 50 entries as for 5', async () => {
    const five = await server.gql<{ story: { entries: { edges: unknown[] } } }>(storyPage, { n: 5 });
    const fifty = await server.gql<{ story: { entries: { edges: unknown[] } } }>(storyPage, { n: 50 });
    expect(five.errors).toBeUndefined();
    expect(fifty.errors).toBeUndefined();
    expect(five.data!.story.entries.edges).toHaveLength(5);
    expect(fifty.data!.story.entries.edges).toHaveLength(50);
    const statements5 = five.extensions!.sqlStatements as number;
    const statements50 = fifty.extensions!.sqlStatements as number;
    expect(statements50).toBe(statements5);
    // One per level of the query: story, counts, pinned, entries, people, their stories,
    // places, parents, quotes, speakers, their quotes, quote entries, quote stories, ranked people.
    expect(statements50).toBeLessThanOrEqual(14);
  });

  it('batches a person page the same way', async () => {
    const personPage = `query ($n: Int!) { people(first: $n) { edges { node { name quotes(first: 50) { edges { node { text entry { headline story { title } } } } } entries(first: 5) { edges { node { headline } } } } } } }`;
    const one = await server.gql(personPage, { n: 1 });
    const six = await server.gql(personPage, { n: 6 });
    expect(one.errors).toBeUndefined();
    expect(six.extensions!.sqlStatements).toBe(one.extensions!.sqlStatements);
  });

  it("reads a person page in two statements: the person, then a page of quotes with their entries and stories", async () => {
    const slug = (await server.gql<{ people: { edges: { node: { slug: string } }[] } }>(`{ people(first: 1) { edges { node { slug } } } }`)).data!.people.edges[0]!.node.slug;
    const page = await server.gql(`query ($slug: String!) { person(slug: $slug) { name description quotes(first: 50) { edges { node { text source createdAt entry { headline publishedAt } story { title } } } } } }`, { slug });
    expect(page.errors).toBeUndefined();
    expect(page.extensions!.sqlStatements).toBe(2);
  });
});
