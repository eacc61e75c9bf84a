/**
 * Query.analyzeText over the API: editors only, the story's language and
 * known people guide it, the matcher follows catalog changes, and bad input
 * is refused by name. Texts written for this test, not the demo story's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
const ids: Record<string, string> = {};

const analyze = `query ($story: ID!, $text: String!) {
  analyzeText(story: $story, text: $text) {
    mentions { kind text start end target { __typename ... on Person { slug } ... on Place { slug } } }
    quotes { text start end speaker { slug } attribution source }
  }
}`;

type Analysis = {
  analyzeText: {
    mentions: { kind: string; text: string; start: number; end: number; target: { __typename: string; slug: string } }[];
    quotes: { text: string; start: number; end: number; speaker: { slug: string } | null; attribution: string | null; source: string | null }[];
  };
};

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  for (const [slug, language] of [
    ['elezioni', 'it'],
    ['storm', 'en'],
  ] as const) {
    const res = await server.edit<{ createStory: { story: { id: string } } }>(
      `mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id } } }`,
      { input: { slug, title: slug, language, status: 'LIVE' } },
    );
    ids[slug] = res.data!.createStory.story.id;
  }
  const people = [
    { slug: 'marta-ferrandi', name: 'Marta Ferrandi', aliases: [], description: 'ministra dei trasporti' },
    { slug: 'oskar-lindqvist', name: 'Oskar Lindqvist', aliases: ['O. Lindqvist'], description: 'meteorologist' },
    { slug: 'anna-brenner', name: 'Anna Brenner', aliases: [] },
    { slug: 'paul-brenner', name: 'Paul Brenner', aliases: [] },
  ];
  for (const input of people) await server.edit(`mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`, { input });
  const places = [
    { slug: 'valdora', name: 'Valdora', aliases: [], kind: 'CITY' },
    { slug: 'provincia-di-valdora', name: 'provincia di Valdora', aliases: [], kind: 'REGION' },
    { slug: 'nordmark', name: 'Nordmark', aliases: ['Nordmarken'], kind: 'REGION' },
  ];
  for (const input of places) {
    const res = await server.edit(`mutation ($input: CreatePlaceInput!) { createPlace(input: $input) { place { id } } }`, { input });
    expect(res.errors).toBeUndefined();
  }
});
afterAll(() => server?.stop());

describe('analyzeText', () => {
  it('finds people, places and an Italian quote with its speaker, with offsets into the text', async () => {
    const text = 'A Valdora la ministra Marta Ferrandi ha detto: «I treni ripartiranno domani». Nella provincia di Valdora i disagi continuano.';
    const res = await server.edit<Analysis>(analyze, { story: ids.elezioni, text });
    expect(res.errors).toBeUndefined();
    const { mentions, quotes } = res.data!.analyzeText;
    expect(mentions.map((m) => [m.kind, m.target.slug, m.text])).toEqual([
      ['PLACE', 'valdora', 'Valdora'],
      ['PERSON', 'marta-ferrandi', 'Marta Ferrandi'],
      ['PLACE', 'provincia-di-valdora', 'provincia di Valdora'],
    ]);
    for (const m of mentions) expect(text.slice(m.start, m.end)).toBe(m.text);
    expect(quotes).toHaveLength(1);
    expect(quotes[0]).toMatchObject({ text: 'I treni ripartiranno domani', speaker: { slug: 'marta-ferrandi' }, attribution: null });
    expect(text.slice(quotes[0]!.start, quotes[0]!.end)).toBe('I treni ripartiranno domani');
  });

  it('gives an English quote by someone outside the catalog no speaker, only an attribution', async () => {
    const text = '"The worst is over," a spokesman for the coast guard said on Tuesday as Oskar Lindqvist looked on in Nordmarken.';
    const res = await server.edit<Analysis>(analyze, { story: ids.storm, text });
    expect(res.errors).toBeUndefined();
    const { mentions, quotes } = res.data!.analyzeText;
    expect(mentions.map((m) => m.target.slug)).toEqual(['oskar-lindqvist', 'nordmark']);
    expect(quotes).toHaveLength(1);
    expect(quotes[0]!.speaker).toBeNull();
    expect(quotes[0]!.attribution).toMatch(/spokesman/);
  });

  it('leaves a surname two catalog people share unlinked', async () => {
    const res = await server.edit<Analysis>(analyze, { story: ids.storm, text: 'Brenner arrived late to the briefing.' });
    expect(res.data!.analyzeText.mentions).toEqual([]);
  });

  it('sees a person added to the catalog in the next analysis (the matcher is rebuilt on the change)', async () => {
    const text = 'Ilse Vantongeren visited the flooded valley.';
    const before = await server.edit<Analysis>(analyze, { story: ids.storm, text });
    expect(before.data!.analyzeText.mentions).toEqual([]);
    await server.edit(`mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`, { input: { slug: 'ilse-vantongeren', name: 'Ilse Vantongeren', aliases: [] } });
    let after: Analysis['analyzeText']['mentions'] = [];
    // The change reaches the matcher through NOTIFY, delivered asynchronously.
    for (let i = 0; i < 50 && after.length === 0; i++) {
      after = (await server.edit<Analysis>(analyze, { story: ids.storm, text })).data!.analyzeText.mentions;
      if (after.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(after.map((m) => m.target.slug)).toEqual(['ilse-vantongeren']);
  });

  it('is for editors only', async () => {
    const res = await server.gql(analyze, { story: ids.storm, text: 'Oskar Lindqvist' });
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a text too long and a story that is not one, naming the argument', async () => {
    const long = await server.edit(analyze, { story: ids.storm, text: 'x'.repeat(20_001) });
    expect(long.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
    const bad = await server.edit(analyze, { story: 'nope', text: 'Oskar Lindqvist' });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'story' });
  });
});

describe('the matcher of a fresh instance', () => {
  it('is built as the instance starts, so the first text analysed does not wait for it', async () => {
    const fresh = await startTestServer();
    try {
      for (let i = 0; i < 100 && fresh.app.linking.builds === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(fresh.app.linking.builds).toBe(1);
      const story = (await fresh.gql<{ stories: { edges: { node: { id: string } }[] } }>(`{ stories(first: 1) { edges { node { id } } } }`)).data!.stories.edges[0]!.node.id;
      const res = await fresh.edit<Analysis>(analyze, { story, text: 'Una frase qualunque.' });
      expect(res.errors).toBeUndefined();
      expect(fresh.app.linking.builds).toBe(1);
    } finally {
      await fresh.stop();
    }
  });
});
