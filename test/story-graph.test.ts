import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

const slug = demoStory.slug;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

type Conn<T> = { edges: { cursor: string; node: T }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } };

describe('the demo story', () => {
  it('serves the story with its entries, people, places and quotes', async () => {
    const res = await server.gql<{ story: Record<string, unknown> & { entries: Conn<Record<string, unknown>> } }>(`
      query {
        story(slug: "${slug}") {
          title summary language status coverageStartAt
          counts { entries keyEvents quotes people places }
          entries(first: 10) {
            edges { node {
              headline body publishedAt keyEvent pinned author
              people { name description }
              places { name kind parent { name } }
              quotes { text source attribution speaker { name } }
            } }
          }
        }
      }`);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const story = res.data!.story;
    expect(story.language).toBe('it');
    expect(story.status).toBe('LIVE');
    expect(story.counts).toEqual({ entries: 7, keyEvents: 3, quotes: expect.any(Number), people: 5, places: expect.any(Number) });
    const entries = story.entries.edges.map((e) => e.node);
    expect(entries.map((e) => e.headline)).toEqual(demoStory.entries.map((e) => e.headline));
    const times = entries.map((e) => Date.parse(e.publishedAt as string));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const t of times) expect(new Date(t).toISOString().slice(0, 10)).toBe('2025-12-23');

    const lead = entries[0]!;
    expect(lead.pinned).toBe(true);
    expect(lead.people).toEqual(expect.arrayContaining([{ name: 'Dmitrij Peskov', description: 'portavoce del Cremlino' }]));
    expect(lead.quotes).toEqual(
      expect.arrayContaining([
        { text: 'non possono essere considerati una svolta', source: 'Izvestia', attribution: 'Dmitrij Peskov', speaker: { name: 'Dmitrij Peskov' } },
      ]),
    );

    const allPeople = new Set(entries.flatMap((e) => (e.people as { name: string }[]).map((p) => p.name)));
    expect([...allPeople].sort()).toEqual(['Dmitrij Peskov', 'Donald Trump', 'Vitaliy Klitschko', 'Vladimir Vladimirov', 'Volodymyr Zelensky']);
    const sources = new Set(entries.flatMap((e) => (e.quotes as { source: string | null }[]).map((q) => q.source)));
    for (const outlet of ['Izvestia', 'Tass', 'Telegram']) expect(sources).toContain(outlet);
    const vladimirov = entries.flatMap((e) => e.quotes as { source: string | null; speaker: { name: string } | null }[]).filter((q) => q.speaker?.name === 'Vladimir Vladimirov');
    expect(vladimirov.length).toBeGreaterThanOrEqual(2);
    expect(vladimirov.every((q) => q.source === 'Telegram')).toBe(true);
  });

  it('knows the place hierarchy', async () => {
    const res = await server.gql<{ hrabovske: { kind: string; parent: { name: string; kind: string; parent: { countryCode: string } } }; budyonnovsk: { parent: { kind: string; parent: { countryCode: string }; children: Conn<{ slug: string }> } } }>(`{
      hrabovske: place(slug: "hrabovske") { kind latitude longitude parent { name kind parent { countryCode kind } } }
      budyonnovsk: place(slug: "budyonnovsk") { parent { kind parent { countryCode } children { edges { node { slug } } } } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.hrabovske.kind).toBe('VILLAGE');
    expect(res.data!.hrabovske.parent.kind).toBe('REGION');
    expect(res.data!.hrabovske.parent.parent.countryCode).toBe('UA');
    expect(res.data!.budyonnovsk.parent.kind).toBe('REGION');
    expect(res.data!.budyonnovsk.parent.parent.countryCode).toBe('RU');
    expect(res.data!.budyonnovsk.parent.children.edges.map((e) => e.node.slug)).toContain('budyonnovsk');
  });

  it('filters entries: oldest first, key events, mentioning a person or place', async () => {
    const ids = await server.gql<{ person: { id: string }; place: { id: string } }>(`{ person(slug: "volodymyr-zelensky") { id } place(slug: "budyonnovsk") { id } }`);
    const res = await server.gql<{ story: Record<string, Conn<{ headline: string; keyEvent: boolean }>> }>(
      `query ($person: ID!, $place: ID!) { story(slug: "${slug}") {
        oldest: entries(order: OLDEST_FIRST, first: 1) { edges { node { headline keyEvent } } }
        key: entries(keyEventsOnly: true) { edges { node { headline keyEvent } } }
        keyEvents { edges { node { headline keyEvent } } }
        zelensky: entries(mentioning: $person) { edges { node { headline keyEvent } } }
        budyonnovsk: entries(mentioning: $place) { edges { node { headline keyEvent } } }
      } }`,
      { person: ids.data!.person.id, place: ids.data!.place.id },
    );
    expect(res.errors).toBeUndefined();
    const s = res.data!.story;
    expect(s.oldest!.edges[0]!.node.headline).toBe(demoStory.entries.at(-1)!.headline);
    expect(s.key!.edges.length).toBe(3);
    expect(s.key!.edges.every((e) => e.node.keyEvent)).toBe(true);
    expect(s.keyEvents).toEqual(s.key);
    expect(s.zelensky!.edges.map((e) => e.node.headline)).toEqual(["Zelensky: 52 persone rapite dall'esercito russo a Sumy"]);
    expect(s.budyonnovsk!.edges.length).toBeGreaterThanOrEqual(2);
  });

  it('ranks the people and places of a story by mentions', async () => {
    const res = await server.gql<{ story: { pinnedEntry: { headline: string }; people: { edges: { mentions: number; node: { name: string } }[] }; places: { edges: { mentions: number; node: { name: string } }[] } } }>(`{
      story(slug: "${slug}") {
        pinnedEntry { headline }
        people { edges { mentions node { name } } }
        places(first: 3) { edges { mentions node { name } } }
      } }`);
    expect(res.errors).toBeUndefined();
    const story = res.data!.story;
    expect(story.pinnedEntry.headline).toBe(demoStory.entries[0]!.headline);
    const mentions = story.people.edges.map((e) => e.mentions);
    expect([...mentions].sort((a, b) => b - a)).toEqual(mentions);
    expect(story.people.edges[0]!.node.name).toBe('Donald Trump');
    expect(story.places.edges).toHaveLength(3);
  });

  it('walks from a person to quotes, entries and stories, and from a quote back', async () => {
    const res = await server.gql<{ person: { quotes: Conn<{ text: string; entry: { headline: string }; story: { slug: string }; speaker: { slug: string } }>; entries: Conn<{ headline: string }>; stories: { edges: { mentions: number; lastMentionedAt: string; node: { slug: string } }[] } } }>(`{
      person(slug: "vladimir-vladimirov") {
        quotes(first: 10) { edges { node { text entry { headline } story { slug } speaker { slug } } } }
        entries { edges { node { headline } } }
        stories { edges { mentions lastMentionedAt node { slug } } }
      } }`);
    expect(res.errors).toBeUndefined();
    const p = res.data!.person;
    expect(p.quotes.edges.length).toBe(2);
    for (const { node } of p.quotes.edges) {
      expect(node.story.slug).toBe(slug);
      expect(node.speaker.slug).toBe('vladimir-vladimirov');
      expect(node.entry.headline).toBe("L'esercito ucraino ha attaccato un impianto petrolchimico russo");
    }
    expect(p.quotes.edges[0]!.node.text.startsWith('I droni nemici')).toBe(true);
    expect(p.entries.edges).toHaveLength(1);
    expect(p.stories.edges).toEqual([{ mentions: 1, lastMentionedAt: expect.any(String), node: { slug } }]);
  });

  it('fetches any object again through node and nodes', async () => {
    const res = await server.gql<{ story: { id: string; entries: Conn<{ id: string }>; quotes: Conn<{ id: string }> }; person: { id: string }; place: { id: string } }>(`{
      story(slug: "${slug}") { id entries(first: 1) { edges { node { id } } } quotes(first: 1) { edges { node { id } } } }
      person(slug: "donald-trump") { id }
      place(slug: "kiev") { id }
    }`);
    const ids = [res.data!.story.id, res.data!.story.entries.edges[0]!.node.id, res.data!.story.quotes.edges[0]!.node.id, res.data!.person.id, res.data!.place.id];
    const nodes = await server.gql<{ nodes: ({ __typename: string; id: string } | null)[]; node: { slug: string } }>(
      `query ($ids: [ID!]!, $id: ID!) { nodes(ids: $ids) { __typename id } node(id: $id) { ... on Story { slug } } }`,
      { ids, id: ids[0] },
    );
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data!.nodes.map((n) => n?.__typename)).toEqual(['Story', 'Entry', 'Quote', 'Person', 'Place']);
    expect(nodes.data!.nodes.map((n) => n?.id)).toEqual(ids);
    expect(nodes.data!.node.slug).toBe(slug);
    const byId = await server.gql<{ story: { slug: string } }>(`query ($id: ID!) { story(id: $id) { slug } }`, { id: ids[0] });
    expect(byId.data!.story.slug).toBe(slug);
  });

  it('pages forwards and backwards through the same entries', async () => {
    const all = await server.gql<{ story: { entries: Conn<{ id: string }> } }>(`{ story(slug: "${slug}") { entries(first: 100) { edges { cursor node { id } } } } }`);
    const every = all.data!.story.entries.edges.map((e) => e.node.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof server.gql<{ story: { entries: Conn<{ id: string }> } }>>> = await server.gql(
        `query ($after: String) { story(slug: "${slug}") { entries(first: 3, after: $after) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`,
        { after },
      );
      const conn = page.data!.story.entries;
      seen.push(...conn.edges.map((e) => e.node.id));
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(every);
    const back = await server.gql<{ story: { entries: Conn<{ id: string }> } }>(
      `query ($before: String) { story(slug: "${slug}") { entries(last: 2, before: $before) { edges { node { id } } pageInfo { hasPreviousPage hasNextPage } } } }`,
      { before: all.data!.story.entries.edges[4]!.cursor },
    );
    expect(back.data!.story.entries.edges.map((e) => e.node.id)).toEqual(every.slice(2, 4));
    expect(back.data!.story.entries.pageInfo).toEqual({ hasPreviousPage: true, hasNextPage: true });
    const lastTwo = await server.gql<{ story: { entries: Conn<{ id: string }> } }>(`{ story(slug: "${slug}") { entries(last: 2) { edges { node { id } } } } }`);
    expect(lastTwo.data!.story.entries.edges.map((e) => e.node.id)).toEqual(every.slice(-2));
  });

  it('lists stories, people and places', async () => {
    const res = await server.gql<{ stories: Conn<{ slug: string }>; live: Conn<{ slug: string }>; ended: Conn<{ slug: string }>; people: Conn<{ name: string }>; places: Conn<{ slug: string }>; countries: Conn<{ slug: string }> }>(`{
      stories { edges { node { slug } } }
      live: stories(status: [LIVE]) { edges { node { slug } } }
      ended: stories(status: [ENDED, PAUSED]) { edges { node { slug } } }
      people(namePrefix: "V") { edges { node { name } } }
      places(kind: COUNTRY) { edges { node { slug } } }
      countries: places(topLevel: true, countryCode: "ua") { edges { node { slug } } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.stories.edges.map((e) => e.node.slug)).toEqual([slug]);
    // The demo story is live (src/seed/demo-story.ts says why).
    expect(res.data!.live.edges.map((e) => e.node.slug)).toEqual([slug]);
    expect(res.data!.ended.edges).toEqual([]);
    expect(res.data!.people.edges.map((e) => e.node.name)).toEqual(['Vitaliy Klitschko', 'Vladimir Vladimirov', 'Volodymyr Zelensky']);
    expect(res.data!.places.edges.length).toBe(3);
    expect(res.data!.countries.edges.length).toBe(1);
  });
});

describe("a person's quotes, a page per person", () => {
  type PersonQuotes = { slug: string; quotes: Conn<{ id: string }> };
  const allQuotes = async () =>
    (await server.gql<{ people: Conn<PersonQuotes> }>(`{ people(first: 100) { edges { node { slug quotes(first: 100) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } } }`)).data!.people.edges.map((e) => e.node);

  it('pages forwards and backwards through every speaker to the same list, and batches first pages of many people', async () => {
    const everyone = await allQuotes();
    const quoted = everyone.filter((p) => p.quotes.edges.length >= 2);
    expect(quoted.length).toBeGreaterThanOrEqual(2);
    // One request, many speakers: each gets its own first page (not the first of all quotes together).
    const firstPages = (await server.gql<{ people: Conn<PersonQuotes> }>(`{ people(first: 100) { edges { node { slug quotes(first: 1) { edges { node { id } } pageInfo { hasNextPage } } } } } }`)).data!.people.edges.map((e) => e.node);
    for (const p of everyone) {
      const page = firstPages.find((f) => f.slug === p.slug)!;
      expect([p.slug, page.quotes.edges.map((e) => e.node.id)]).toEqual([p.slug, p.quotes.edges.slice(0, 1).map((e) => e.node.id)]);
      expect(page.quotes.pageInfo.hasNextPage).toBe(p.quotes.edges.length > 1);
    }
    const pageOf = (slug: string, args: string, cursor: string | null) =>
      server.gql<{ person: { quotes: Conn<{ id: string }> } }>(`query ($c: String) { person(slug: "${slug}") { quotes(${args}) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`, { c: cursor });
    for (const p of quoted) {
      const every = p.quotes.edges.map((e) => e.node.id);
      const forwards: string[] = [];
      for (let after: string | null = null; ; ) {
        const conn: Conn<{ id: string }> = (await pageOf(p.slug, 'first: 1, after: $c', after)).data!.person.quotes;
        forwards.push(...conn.edges.map((e) => e.node.id));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      const backwards: string[] = [];
      for (let before: string | null = null; ; ) {
        const conn: Conn<{ id: string }> = (await pageOf(p.slug, 'last: 1, before: $c', before)).data!.person.quotes;
        backwards.unshift(...conn.edges.map((e) => e.node.id));
        if (!conn.pageInfo.hasPreviousPage) break;
        before = conn.pageInfo.startCursor;
      }
      expect([p.slug, forwards]).toEqual([p.slug, every]);
      expect([p.slug, backwards]).toEqual([p.slug, every]);
    }
  });
});
