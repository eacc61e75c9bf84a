import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries } from '../src/db/schema.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
let storyId: string;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const res = await server.edit<{ createStory: { story: { id: string; status: string } } }>(
    `mutation { createStory(input: { slug: "editing", title: "Editing desk", language: "it" }) { story { id status } } }`,
  );
  expect(res.data!.createStory.story.status).toBe('DRAFT');
  storyId = res.data!.createStory.story.id;
});
afterAll(async () => {
  await server?.stop();
});

type Err = { message: string; extensions: { code: string; field?: string; problems?: { field: string; message: string }[] } };
const m = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection = '__typename') => {
  const res = await server.edit<Record<string, T>>(`mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors as Err[] | undefined };
};

describe('stories', () => {
  it('moves through sensible statuses only', async () => {
    expect((await m('setStoryStatus', { id: storyId, status: 'PAUSED' })).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.status' });
    const live = await m<{ story: { status: string; coverageStartAt: string } }>('setStoryStatus', { id: storyId, status: 'LIVE' }, 'story { status coverageStartAt }');
    expect(live.data!.story.status).toBe('LIVE');
    expect(live.data!.story.coverageStartAt).toBeTruthy();
    expect((await m('setStoryStatus', { id: storyId, status: 'DRAFT' })).errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('validates every field and reports all problems at once', async () => {
    const res = await m('createStory', { slug: 'Not A Slug', title: '   ', language: 'italiano' });
    const error = res.errors![0]!;
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.extensions.problems!.map((p) => p.field).sort()).toEqual(['input.language', 'input.slug', 'input.title']);
  });

  it('answers a taken slug with CONFLICT on the slug', async () => {
    const res = await m('createStory', { slug: 'editing', title: 'Again', language: 'it' });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.slug' });
  });

  it('re-indexes entries for search when the language changes', async () => {
    await m('createEntry', { story: storyId, headline: 'Le trattative continuano', body: 'Nessun accordo.' });
    const before = await server.gql<{ search: { edges: unknown[] } }>(`{ search(query: "trattativa") { edges { cursor } } }`);
    expect(before.data!.search.edges).toHaveLength(1);
    await m('updateStory', { id: storyId, language: 'en' });
    const after = await server.gql<{ search: { edges: unknown[] } }>(`{ search(query: "trattativa") { edges { cursor } } }`);
    expect(after.data!.search.edges).toHaveLength(0);
    await m('updateStory', { id: storyId, language: 'it' });
  });
});

describe('entries', () => {
  it('creates once per idempotency key, even when retried concurrently', async () => {
    const input = { story: storyId, headline: 'Una volta sola', body: 'Testo.', idempotencyKey: 'retry-123' };
    const results = await Promise.all([m<{ entry: { id: string } }>('createEntry', input, 'entry { id }'), m<{ entry: { id: string } }>('createEntry', input, 'entry { id }'), m<{ entry: { id: string } }>('createEntry', input, 'entry { id }')]);
    const ids = new Set(results.map((r) => r.data!.entry.id));
    expect(ids.size).toBe(1);
    const rows = await server.app.database.db.select().from(entries).where(eq(entries.headline, 'Una volta sola'));
    expect(rows).toHaveLength(1);
    const reused = await m('createEntry', { ...input, headline: 'Altro testo' });
    expect(reused.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.idempotencyKey' });
  });

  it('validates lengths and references, naming the field', async () => {
    const long = await m('createEntry', { story: storyId, headline: 'x'.repeat(201), body: ' ' });
    expect(long.errors![0]!.extensions.problems!.map((p) => p.field).sort()).toEqual(['input.body', 'input.headline']);
    const badPerson = await m('createEntry', { story: storyId, headline: 'H', body: 'B', people: ['nope'] });
    expect(badPerson.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.people.0' });
    const wrongType = await m('createEntry', { story: storyId, headline: 'H', body: 'B', places: [storyId] });
    expect(wrongType.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.places.0' });
    const quoteWithoutSpeaker = await m('createEntry', { story: storyId, headline: 'H', body: 'B', quotes: [{ text: 'Chi lo ha detto?' }] });
    expect(quoteWithoutSpeaker.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.quotes.0.attribution' });
  });

  it('refuses a stale edit with CONFLICT and bumps the revision otherwise', async () => {
    const id = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Bozza', body: 'Uno.' }, 'entry { id }')).data!.entry.id;
    const first = await m<{ entry: { revision: number } }>('updateEntry', { id, body: 'Due.', expectedRevision: 1 }, 'entry { revision }');
    expect(first.data!.entry.revision).toBe(2);
    const stale = await m('updateEntry', { id, body: 'Tre.', expectedRevision: 1 });
    expect(stale.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.expectedRevision' });
  });

  it('keeps one pinned entry per story', async () => {
    const a = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'A', body: 'A.' }, 'entry { id }')).data!.entry.id;
    const b = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'B', body: 'B.' }, 'entry { id }')).data!.entry.id;
    await m('pinEntry', { id: a });
    await m('pinEntry', { id: b });
    const res = await server.gql<{ story: { pinnedEntry: { id: string } } }>(`query ($id: ID!) { story(id: $id) { pinnedEntry { id } } }`, { id: storyId });
    expect(res.data!.story.pinnedEntry.id).toBe(b);
    const draft = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'D', body: 'D.', publish: false }, 'entry { id }')).data!.entry.id;
    expect((await m('pinEntry', { id: draft })).errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect((await m('retractEntry', { id: draft })).errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('people, places, quotes and mentions', () => {
  it('creates and edits them, and links mentions', async () => {
    const person = await m<{ person: { id: string; name: string } }>('createPerson', { slug: 'mario-rossi', name: 'Mario Rossi', description: 'portavoce' }, 'person { id name }');
    expect(person.errors).toBeUndefined();
    const personId = person.data!.person.id;
    expect((await m<{ person: { description: string } }>('updatePerson', { id: personId, description: 'ex portavoce' }, 'person { description }')).data!.person.description).toBe('ex portavoce');

    const country = await m<{ place: { id: string } }>('createPlace', { slug: 'italia', name: 'Italia', kind: 'COUNTRY', countryCode: 'it', latitude: 42.5, longitude: 12.5 }, 'place { id }');
    const countryId = country.data!.place.id;
    const city = await m<{ place: { id: string; parent: { id: string }; countryCode: string } }>('createPlace', { slug: 'roma', name: 'Roma', kind: 'CITY', countryCode: 'IT', latitude: 41.9, longitude: 12.5, parent: countryId }, 'place { id countryCode parent { id } }');
    expect(city.data!.place).toMatchObject({ countryCode: 'IT', parent: { id: countryId } });
    const cycle = await m('updatePlace', { id: countryId, parent: city.data!.place.id });
    expect(cycle.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.parent' });
    const badCoordinates = await m('createPlace', { slug: 'altrove', name: 'Altrove', kind: 'SITE', latitude: 91 });
    expect(badCoordinates.errors![0]!.extensions.problems!.map((p) => p.field)).toEqual(expect.arrayContaining(['input.latitude', 'input.longitude']));

    const entryId = (await m<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Dichiarazione', body: 'Ha parlato.' }, 'entry { id }')).data!.entry.id;
    await m('linkMention', { entry: entryId, target: personId });
    await m('linkMention', { entry: entryId, target: city.data!.place.id });
    const quote = await m<{ quote: { id: string; speaker: { name: string }; story: { id: string } } }>('createQuote', { entry: entryId, text: 'Andiamo avanti', speaker: personId, source: 'ANSA' }, 'quote { id speaker { name } story { id } }');
    expect(quote.data!.quote).toMatchObject({ speaker: { name: 'Mario Rossi' }, story: { id: storyId } });
    await m('updateQuote', { id: quote.data!.quote.id, text: 'Andiamo avanti insieme' });
    await m('unlinkMention', { entry: entryId, target: city.data!.place.id });
    const res = await server.gql<{ node: { people: { name: string }[]; places: unknown[]; quotes: { text: string }[] } }>(`query ($id: ID!) { node(id: $id) { ... on Entry { people { name } places { name } quotes { text } } } }`, { id: entryId });
    expect(res.data!.node).toEqual({ people: [{ name: 'Mario Rossi' }], places: [], quotes: [{ text: 'Andiamo avanti insieme' }] });
  });
});

describe('edge cases that once reached the database', () => {
  it('refuses a DateTime outside years 1–9999 as BAD_USER_INPUT', async () => {
    for (const value of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-14:00']) {
      const res = await m('createStory', { slug: `year-${value.slice(0, 4)}`, title: 'Y', language: 'en', coverageStartAt: value });
      expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('ends a story whose coverage was set to start in the future', async () => {
    const created = await m<{ story: { id: string } }>('createStory', { slug: 'future-start', title: 'Future', language: 'en', status: 'LIVE', coverageStartAt: '2099-01-01T00:00:00Z' }, 'story { id }');
    const ended = await m<{ story: { status: string; coverageEndAt: string } }>('setStoryStatus', { id: created.data!.story.id, status: 'ENDED' }, 'story { status coverageEndAt }');
    expect(ended.errors).toBeUndefined();
    expect(ended.data!.story).toEqual({ status: 'ENDED', coverageEndAt: '2099-01-01T00:00:00.000Z' });
  });

  it('refuses NUL characters in editors\' input', async () => {
    const res = await m('createPerson', { slug: 'nul', name: 'a\u0000b' });
    expect(res.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('the place hierarchy', () => {
  it('refuses a cycle however long the chain', async () => {
    const db = server.app.database.db;
    const { places } = await import('../src/db/schema.js');
    let parentId: number | null = null;
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) {
      const rows: { id: number }[] = await db.insert(places).values({ slug: `chain-${i}`, name: `Chain ${i}`, kind: 'site', parentId }).returning({ id: places.id });
      ids.push(rows[0]!.id);
      parentId = rows[0]!.id;
    }
    const { encodeGlobalId } = await import('../src/global-id.js');
    const res = await m('updatePlace', { id: encodeGlobalId('Place', ids[0]!), parent: encodeGlobalId('Place', ids[59]!) });
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.parent' });
  });
});
