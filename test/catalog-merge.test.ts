/**
 * Admin-only merging of two people or two places that are one: mentions,
 * quotes, names and places inside move to the winner without duplicates,
 * the loser's ID and slug resolve to the winner (through chains of merges),
 * a retry answers the same, and caches and the text matcher follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, cacheHits, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let admin: Record<string, string>;
let story: string;

type Errors = { message: string; extensions?: Record<string, unknown> }[] | undefined;

const call = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection: string, headers?: Record<string, string>) => {
  const query = `mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`;
  const res = headers ? await server.gql<Record<string, T>>(query, { input }, headers) : await server.edit<Record<string, T>>(query, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors as Errors };
};
const created = async (name: 'createPerson' | 'createPlace', input: Record<string, unknown>) => {
  const field = name === 'createPerson' ? 'person' : 'place';
  const res = await call<Record<string, { id: string }>>(name, input, `${field} { id }`);
  expect(res.errors).toBeUndefined();
  return res.data![field]!.id;
};
const entry = async (input: Record<string, unknown>) => {
  const res = await call<{ entry: { id: string } }>('createEntry', { story, body: 'Testo.', ...input }, 'entry { id }');
  expect(res.errors).toBeUndefined();
  return res.data!.entry.id;
};
const personFields = 'person { id slug name aliases wikidataId }';
const placeFields = 'place { id slug aliases geonamesId wikidataId }';

interface EntryView {
  people: { id: string }[];
  places: { id: string }[];
  quotes: { speaker: { id: string } | null }[];
}
const viewEntry = async (id: string) =>
  (await server.edit<{ node: EntryView }>(`query ($id: ID!) { node(id: $id) { ... on Entry { people { id } places { id } quotes { speaker { id } } } } }`, { id })).data!.node;
const nodeId = async (id: string) => (await server.gql<{ node: { id: string } | null }>(`query ($id: ID!) { node(id: $id) { id } }`, { id })).data!.node?.id ?? null;
const bySlug = async (kind: 'person' | 'place', slug: string) => {
  const res = await server.gql<Record<string, { id: string } | null>>(`query ($slug: String!) { ${kind}(slug: $slug) { id } }`, { slug });
  return { id: res.data?.[kind]?.id ?? null, errors: res.errors as Errors };
};

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false', RESPONSE_CACHE_TTL_MS: '600000' });
  admin = { authorization: `Bearer ${await server.token('admin')}` };
  story = (await call<{ story: { id: string } }>('createStory', { slug: 'fusioni', title: 'Fusioni', language: 'it', status: 'LIVE' }, 'story { id }')).data!.story.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('merging people', () => {
  let winner: string;
  let loser: string;

  beforeAll(async () => {
    winner = await created('createPerson', { slug: 'dmitrij-peskov', name: 'Dmitrij Peskov', aliases: ['Peskov'] });
    loser = await created('createPerson', { slug: 'dmitry-peskov', name: 'Dmitry Peskòv', aliases: ['peskov', 'D. Peskov', 'PESKÒV'], wikidataId: 'Q2379386' });
  });

  it('is for admins only: an editor is FORBIDDEN and nothing moves', async () => {
    const res = await call('mergePeople', { winner, loser }, personFields);
    expect(res.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(await nodeId(loser)).toBe(loser);
    expect((await call('mergePlaces', { winner, loser }, placeFields)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('moves mentions and quotes without duplicates, the names into aliases, the Wikidata id; the loser resolves to the winner; a cached page is fresh', async () => {
    const both = await entry({ headline: 'Entrambi', people: [winner, loser], quotes: [{ text: 'Nessun commento', speaker: loser }] });
    const loserOnly = await entry({ headline: 'Solo il doppione', people: [loser], quotes: [{ text: 'Vedremo', speaker: loser }] });
    const winnerOnly = await entry({ headline: 'Solo il vero', people: [winner] });

    const page = `{ person(slug: "dmitrij-peskov") { name aliases wikidataId entries(first: 10) { edges { node { headline } } } quotes(first: 10) { edges { node { text } } } } }`;
    await cacheHits(server, [page]);
    expect(await cacheHits(server, [page])).toEqual([true]);

    const merged = await call<{ person: { id: string; aliases: string[]; wikidataId: string | null }; mergedId: string }>('mergePeople', { winner, loser }, `${personFields} mergedId`, admin);
    expect(merged.errors).toBeUndefined();
    expect(merged.data!.mergedId).toBe(loser);
    expect(merged.data!.person).toMatchObject({ id: winner, slug: 'dmitrij-peskov', name: 'Dmitrij Peskov', aliases: ['Peskov', 'Dmitry Peskòv', 'D. Peskov'], wikidataId: 'Q2379386' });

    expect(await viewEntry(both)).toEqual({ people: [{ id: winner }], places: [], quotes: [{ speaker: { id: winner } }] });
    expect(await viewEntry(loserOnly)).toEqual({ people: [{ id: winner }], places: [], quotes: [{ speaker: { id: winner } }] });
    expect(await viewEntry(winnerOnly)).toMatchObject({ people: [{ id: winner }] });

    // The cached page of the winner is dropped: the next answer is computed, with everything moved.
    expect(await cacheHits(server, [page])).toEqual([false]);
    const fresh = await server.gql<{ person: { aliases: string[]; entries: { edges: unknown[] }; quotes: { edges: { node: { text: string } }[] } } }>(page);
    expect(fresh.data!.person.aliases).toEqual(['Peskov', 'Dmitry Peskòv', 'D. Peskov']);
    expect(fresh.data!.person.entries.edges).toHaveLength(3);
    expect(fresh.data!.person.quotes.edges.map((e) => e.node.text).sort()).toEqual(['Nessun commento', 'Vedremo']);

    expect(await nodeId(loser)).toBe(winner);
    expect(await bySlug('person', 'dmitry-peskov')).toEqual({ id: winner, errors: undefined });
    const nodes = await server.gql<{ nodes: ({ id: string } | null)[] }>(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } } `, { ids: [loser, winner] });
    expect(nodes.data!.nodes).toEqual([{ id: winner }, { id: winner }]);
  });

  it('answers a retry like the first merge, and refuses unknown IDs and a merge into itself by field', async () => {
    const again = await call<{ person: { id: string; aliases: string[] }; mergedId: string }>('mergePeople', { winner, loser }, `${personFields} mergedId`, admin);
    expect(again.errors).toBeUndefined();
    expect(again.data).toMatchObject({ mergedId: loser, person: { id: winner, aliases: ['Peskov', 'Dmitry Peskòv', 'D. Peskov'] } });

    const unknown = Buffer.from('Person:999999').toString('base64');
    expect((await call('mergePeople', { winner, loser: unknown }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.loser' });
    expect((await call('mergePeople', { winner: unknown, loser: winner }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.winner' });
    expect((await call('mergePeople', { winner, loser: winner }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.loser' });
    // The other way round: the loser of before is now the winner itself.
    expect((await call('mergePeople', { winner: loser, loser: winner }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.loser' });
    expect((await call('mergePeople', { winner, loser: story }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.loser' });
  });

  it('lets analyzeText find the loser’s name as the winner', async () => {
    const res = await server.edit<{ analyzeText: { mentions: { text: string; target: { slug: string } }[] } }>(
      `query ($story: ID!, $text: String!) { analyzeText(story: $story, text: $text) { mentions { text target { ... on Person { slug } } } } }`,
      { story, text: 'Al Cremlino Dmitry Peskòv ha parlato ai giornalisti.' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.analyzeText.mentions).toEqual([{ text: 'Dmitry Peskòv', target: { slug: 'dmitrij-peskov' } }]);
  });

  it('follows chains: A into B, then B into C, resolves A to C; a retry of the first merge still answers C', async () => {
    const a = await created('createPerson', { slug: 'persona-a', name: 'Persona A' });
    const b = await created('createPerson', { slug: 'persona-b', name: 'Persona B' });
    const c = await created('createPerson', { slug: 'persona-c', name: 'Persona C' });
    const other = await created('createPerson', { slug: 'persona-d', name: 'Persona D' });
    expect((await call('mergePeople', { winner: b, loser: a }, personFields, admin)).errors).toBeUndefined();
    const second = await call<{ person: { aliases: string[] } }>('mergePeople', { winner: c, loser: b }, personFields, admin);
    expect(second.errors).toBeUndefined();
    expect(second.data!.person.aliases).toEqual(['Persona B', 'Persona A']);

    expect(await nodeId(a)).toBe(c);
    expect(await nodeId(b)).toBe(c);
    expect((await bySlug('person', 'persona-a')).id).toBe(c);
    expect((await bySlug('person', 'persona-b')).id).toBe(c);
    expect((await call<{ person: { id: string } }>('mergePeople', { winner: b, loser: a }, personFields, admin)).data!.person.id).toBe(c);
    // A is gone into C: merging it into someone else is a conflict, not a merge of C.
    expect((await call('mergePeople', { winner: other, loser: a }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.loser' });
    expect(await nodeId(other)).toBe(other);
    // An unknown slug stays NOT_FOUND.
    expect((await bySlug('person', 'persona-z')).errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'slug' });
    // Deleting C takes what was merged into it along: A is gone, not a dangling redirect.
    expect((await call('deletePerson', { id: c }, 'deletedId', admin)).errors).toBeUndefined();
    expect(await nodeId(a)).toBeNull();
    expect((await bySlug('person', 'persona-a')).errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect((await call('mergePeople', { winner: other, loser: a }, personFields, admin)).errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.loser' });
  });
});

describe('merging people: what editors decided, and merges at once', () => {
  it('keeps an editor’s unlinking of the loser: linking does not bring the winner back to that entry', async () => {
    const winner = await created('createPerson', { slug: 'olena-marchuk', name: 'Olena Marchuk' });
    const loser = await created('createPerson', { slug: 'olena-martchuk', name: 'Olena Martchuk' });
    const unlinked = await entry({ headline: 'Dichiarazioni', body: 'Ha parlato Olena Martchuk.' });
    expect((await viewEntry(unlinked)).people).toEqual([{ id: loser }]);
    expect((await call('unlinkMention', { entry: unlinked, target: loser }, 'entry { id }')).errors).toBeUndefined();

    expect((await call('mergePeople', { winner, loser }, personFields, admin)).errors).toBeUndefined();
    const edited = await call('updateEntry', { id: unlinked, body: 'Ha parlato ancora Olena Martchuk, poi Olena Marchuk.' }, 'entry { id }');
    expect(edited.errors).toBeUndefined();
    expect((await viewEntry(unlinked)).people).toEqual([]);
    // Another entry naming the loser links the winner.
    expect((await viewEntry(await entry({ headline: 'Ancora', body: 'Lo ha detto Olena Martchuk.' }))).people).toEqual([{ id: winner }]);
  });

  it('runs two opposite merges of the same pair one after the other: one merges, the other is refused', async () => {
    const a = await created('createPerson', { slug: 'gemello-a', name: 'Gemello A' });
    const b = await created('createPerson', { slug: 'gemello-b', name: 'Gemello B' });
    const results = await Promise.all([
      call('mergePeople', { winner: a, loser: b }, personFields, admin),
      call('mergePeople', { winner: b, loser: a }, personFields, admin),
    ]);
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
    expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT' })]);
    expect(await nodeId(a)).toBe(await nodeId(b));
  });
});

describe('merging places', () => {
  it('moves mentions and the places inside, fills the GeoNames id, refuses a cycle, and resolves the loser to the winner', async () => {
    const country = await created('createPlace', { slug: 'paese', name: 'Paese', kind: 'COUNTRY' });
    const winner = await created('createPlace', { slug: 'regione-di-sumy', name: 'regione di Sumy', kind: 'REGION', parent: country, aliases: ['Sumshchyna'] });
    const loser = await created('createPlace', { slug: 'oblast-di-sumy', name: 'Oblast di Sumy', kind: 'REGION', parent: country, geonamesId: 692196, aliases: ['sumščyna'] });
    const village = await created('createPlace', { slug: 'hrabovske', name: 'Hrabovske', kind: 'VILLAGE', parent: loser });
    const inside = await created('createPlace', { slug: 'sumy', name: 'Sumy', kind: 'CITY', parent: loser });
    const both = await entry({ headline: 'Bombardamenti', places: [loser, winner] });

    const cycle = await call('mergePlaces', { winner: inside, loser }, placeFields, admin);
    expect(cycle.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.winner' });
    expect(await nodeId(loser)).toBe(loser);

    const merged = await call<{ place: { id: string; aliases: string[]; geonamesId: number | null } }>('mergePlaces', { winner, loser }, `${placeFields} mergedId`, admin);
    expect(merged.errors).toBeUndefined();
    expect(merged.data!.place).toMatchObject({ id: winner, aliases: ['Sumshchyna', 'Oblast di Sumy', 'sumščyna'], geonamesId: 692196 });

    expect(await viewEntry(both)).toMatchObject({ places: [{ id: winner }] });
    const children = await server.gql<{ node: { children: { edges: { node: { id: string; parent: { id: string } } }[] } } }>(
      `query ($id: ID!) { node(id: $id) { ... on Place { children(first: 10) { edges { node { id parent { id } } } } } } }`,
      { id: winner },
    );
    expect(children.data!.node.children.edges.map((e) => e.node)).toEqual([
      { id: village, parent: { id: winner } },
      { id: inside, parent: { id: winner } },
    ]);
    expect(await nodeId(loser)).toBe(winner);
    expect((await bySlug('place', 'oblast-di-sumy')).id).toBe(winner);

    // Now the city lies inside the winner, and merging it into the winner is fine.
    expect((await call('mergePlaces', { winner, loser: inside }, placeFields, admin)).errors).toBeUndefined();
    expect((await call<{ place: { id: string } }>('mergePlaces', { winner, loser }, placeFields, admin)).data!.place.id).toBe(winner);
    expect((await call('mergePlaces', { winner: country, loser: winner }, placeFields, admin)).errors).toBeUndefined();
    expect(await nodeId(loser)).toBe(country);
    expect(await nodeId(inside)).toBe(country);
  });
});

describe('tickers during a merge', () => {
  it('receive an UPDATED event, in the same transaction, for each entry whose mentions or quotes changed, showing the winner', async () => {
    const winner = await created('createPerson', { slug: 'ticker-winner', name: 'Irene Valli' });
    const loser = await created('createPerson', { slug: 'ticker-loser', name: 'I. Valli' });
    const mentioning = await entry({ headline: 'Citata', people: [loser] });
    const quoting = await entry({ headline: 'Parla', quotes: [{ text: 'Andiamo avanti.', speaker: loser }] });
    await entry({ headline: 'Estranea' });
    const cursor = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "fusioni") { eventCursor } }`)).data!.story.eventCursor;
    const reader = wsClient(server.url);
    try {
      type Event = { storyEvents: { kind: string; entry: { id: string; people: { id: string }[]; quotes: { speaker: { id: string } | null }[] } | null } };
      const stream = collect<Event>(reader, `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { id people { id } quotes { speaker { id } } } } }`, { story, after: cursor });
      expect((await call('mergePeople', { winner, loser }, 'mergedId', admin)).errors).toBeUndefined();
      const events = (await stream.waitFor(2)).map((e) => e.storyEvents);
      await new Promise((r) => setTimeout(r, 200));
      expect(stream.values).toHaveLength(2); // the unrelated entry gets none
      stream.stop();
      expect(events.map((e) => [e.kind, e.entry!.id]).sort()).toEqual([['UPDATED', mentioning], ['UPDATED', quoting]].sort());
      expect(events.find((e) => e.entry!.id === mentioning)!.entry!.people).toEqual([{ id: winner }]);
      expect(events.find((e) => e.entry!.id === quoting)!.entry!.quotes).toEqual([{ speaker: { id: winner } }]);
    } finally {
      await reader.dispose();
    }
  });
});
