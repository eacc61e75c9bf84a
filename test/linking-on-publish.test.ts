/**
 * Linking on publish (src/editing/auto-link.ts) and the graph it feeds:
 * createEntry and updateEntry link the people and places their text names
 * and suggest its quotes; editors' decisions stick; readers never see a
 * suggestion; Query.quotes, people/places(search:) and place filters that
 * include the places inside. A catalog and texts written for this test.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries, entryPeople, people, places, storyEvents } from '../src/db/schema.js';
import { autoLinkCounts, linkEntry, prepareEntryUpdateLinks } from '../src/editing/auto-link.js';
import { lockEntry } from '../src/editing/entries.js';
import { buildMatcher } from '../src/linking/matcher.js';
import { parseNodeId } from '../src/global-id.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
const story: Record<string, string> = {};
const person: Record<string, string> = {};
const place: Record<string, string> = {};

const entryFields = `id autoLink people { slug } places { slug } quotes { id text status speaker { slug } attribution source }`;
type Entry = {
  id: string;
  autoLink: boolean;
  people: { slug: string }[];
  places: { slug: string }[];
  quotes: { id: string; text: string; status: string; speaker: { slug: string } | null; attribution: string; source: string | null }[];
};

async function create(storySlug: string, body: string, extra: Record<string, unknown> = {}) {
  const res = await server.edit<{ createEntry: { entry: Entry } }>(
    `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { ${entryFields} } } }`,
    { input: { story: story[storySlug], headline: 'Aggiornamento', body, ...extra } },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.createEntry.entry;
}

async function update(id: string, changes: Record<string, unknown>) {
  const res = await server.edit<{ updateEntry: { entry: Entry } }>(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { ${entryFields} } } }`, { input: { id, ...changes } });
  expect(res.errors).toBeUndefined();
  return res.data!.updateEntry.entry;
}

/** The entry as readers (anonymous) or editors see it. */
async function read(id: string, as: 'reader' | 'editor' = 'reader'): Promise<Entry> {
  const query = `query ($id: ID!) { node(id: $id) { ... on Entry { ${entryFields} } } }`;
  const res = as === 'reader' ? await server.gql<{ node: Entry }>(query, { id }) : await server.edit<{ node: Entry }>(query, { id });
  expect(res.errors).toBeUndefined();
  return res.data!.node;
}

const mutate = (name: string, input: Record<string, unknown>, selection = 'entry { id }') =>
  server.edit<Record<string, unknown>>(`mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });

const slugs = (rows: { slug: string }[]) => rows.map((r) => r.slug).sort();

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  for (const [slug, language] of [
    ['frana', 'it'],
    ['flood', 'en'],
    ['bozza', 'it'],
  ] as const) {
    const res = await server.edit<{ createStory: { story: { id: string } } }>(`mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id } } }`, {
      input: { slug, title: `Storia ${slug}`, language, status: slug === 'bozza' ? 'DRAFT' : 'LIVE' },
    });
    expect(res.errors).toBeUndefined();
    story[slug] = res.data!.createStory.story.id;
  }
  const people = [
    { slug: 'giulia-ronconi', name: 'Giulia Ronconi', aliases: [], description: 'sindaca di Castelmoro' },
    { slug: 'tomas-echevarria', name: 'Tomás Échevarría', aliases: ['Tomas Echevarria', 'T. Echevarria'] },
    { slug: 'ingrid-holm', name: 'Ingrid Holm', aliases: [] },
    { slug: 'karl-holm', name: 'Karl Holm', aliases: [] },
    { slug: 'pietro-salvi', name: 'Pietro Salvi', aliases: [] },
  ];
  for (const input of people) {
    const res = await server.edit<{ createPerson: { person: { id: string } } }>(`mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`, { input });
    expect(res.errors).toBeUndefined();
    person[input.slug] = res.data!.createPerson.person.id;
  }
  const places: { slug: string; name: string; aliases: string[]; kind: string; parent?: string }[] = [
    { slug: 'valle-ombrosa', name: 'Valle Ombrosa', aliases: ['Val d\'Ombra'], kind: 'REGION' },
    { slug: 'castelmoro', name: 'Castelmoro', aliases: [], kind: 'VILLAGE', parent: 'valle-ombrosa' },
    { slug: 'rivabella', name: 'Rivabèlla', aliases: ['Rivabella'], kind: 'VILLAGE', parent: 'valle-ombrosa' },
    { slug: 'portolungo', name: 'Portolungo', aliases: [], kind: 'CITY' },
  ];
  for (const { parent, ...rest } of places) {
    const res = await server.edit<{ createPlace: { place: { id: string } } }>(`mutation ($input: CreatePlaceInput!) { createPlace(input: $input) { place { id } } }`, {
      input: { ...rest, ...(parent ? { parent: place[parent] } : {}) },
    });
    expect(res.errors).toBeUndefined();
    place[rest.slug] = res.data!.createPlace.place.id;
  }
});
afterAll(() => server?.stop());

describe('createEntry links what its text names', () => {
  it('links people and places as automatic, suggests the quote, and readers see no suggestion', async () => {
    const entry = await create('frana', 'A Castelmoro la sindaca Giulia Ronconi ha detto: «Evacueremo le case del versante nord entro sera». Holm non ha commentato.');
    expect(slugs(entry.people)).toEqual(['giulia-ronconi']); // "Holm" alone is two people: not linked
    expect(slugs(entry.places)).toEqual(['castelmoro']);
    expect(entry.quotes).toEqual([
      expect.objectContaining({ text: 'Evacueremo le case del versante nord entro sera', status: 'SUGGESTED', speaker: { slug: 'giulia-ronconi' } }),
    ]);

    const links = await server.app.database.db.select().from(entryPeople).where(eq(entryPeople.entryId, parseNodeId(entry.id, 'id', ['Entry']).id));
    expect(links.map((l) => l.automatic)).toEqual([true]);

    const asReader = await read(entry.id);
    expect(slugs(asReader.people)).toEqual(['giulia-ronconi']);
    expect(asReader.quotes).toEqual([]);
    const elsewhere = await server.gql<{ quotes: { edges: unknown[] }; person: { quotes: { edges: unknown[] } }; story: { counts: { quotes: number }; quotes: { edges: unknown[] } } }>(
      `{ quotes(search: "evacueremo") { edges { node { id } } }
         person(slug: "giulia-ronconi") { quotes { edges { node { id } } } }
         story(slug: "frana") { counts { quotes } quotes { edges { node { id } } } } }`,
    );
    expect(elsewhere.errors).toBeUndefined();
    expect(elsewhere.data!.quotes.edges).toEqual([]);
    expect(elsewhere.data!.person.quotes.edges).toEqual([]);
    expect(elsewhere.data!.story).toEqual({ counts: { quotes: 0 }, quotes: { edges: [] } });
  });

  it('stores the links in the event snapshot, so replays show them', async () => {
    const entry = await create('frana', 'Frane anche a Rivabella: Pietro Salvi ha coordinato i soccorsi.');
    const id = parseNodeId(entry.id, 'id', ['Entry']).id;
    const [event] = await server.app.database.db.select().from(storyEvents).where(eq(storyEvents.entryId, id));
    expect(event!.kind).toBe('published');
    expect(event!.snapshot!.people).toEqual([parseNodeId(person['pietro-salvi']!, 'id', ['Person']).id]);
    expect(event!.snapshot!.places).toEqual([parseNodeId(place.rivabella!, 'id', ['Place']).id]);
  });

  it('does not take a longer word for a name, nor guess a speaker the sentence does not name', async () => {
    const entry = await create(
      'frana',
      'I castelmoresi e i portolungesi chiedono aiuto. Ronconiani e salviniani litigano. Pietro Salvi ha incontrato Giulia Ronconi. «Non ci sono fondi per tutti», ha detto il prefetto.',
    );
    expect(slugs(entry.people)).toEqual(['giulia-ronconi', 'pietro-salvi']);
    expect(entry.places).toEqual([]);
    // The prefetto said it: neither person named in the sentence before may be given the words.
    for (const quote of entry.quotes) expect(quote.speaker).toBeNull();
    expect(entry.quotes).toEqual([expect.objectContaining({ text: 'Non ci sono fondi per tutti', attribution: 'il prefetto', status: 'SUGGESTED' })]);
  });

  it('links an English text too, with the quote and its speaker', async () => {
    const entry = await create('flood', 'Water reached the old town of Portolungo overnight. “We have never seen it this high,” Ingrid Holm told reporters.');
    expect(slugs(entry.people)).toEqual(['ingrid-holm']);
    expect(slugs(entry.places)).toEqual(['portolungo']);
    expect(entry.quotes).toEqual([expect.objectContaining({ text: 'We have never seen it this high', speaker: { slug: 'ingrid-holm' }, status: 'SUGGESTED' })]);
  });

  it('links nothing with autoLink: false, and keeps it off on later edits', async () => {
    const entry = await create('frana', 'Giulia Ronconi a Castelmoro ha detto: «Restate a casa».', { autoLink: false });
    expect(entry).toMatchObject({ autoLink: false, people: [], places: [], quotes: [] });
    const edited = await update(entry.id, { body: 'Giulia Ronconi a Rivabella ha detto: «Restate a casa stanotte».' });
    expect(edited).toMatchObject({ autoLink: false, people: [], places: [], quotes: [] });
    const on = await update(entry.id, { autoLink: true });
    expect(slugs(on.people)).toEqual(['giulia-ronconi']);
    expect(slugs(on.places)).toEqual(['rivabella']);
  });

  it('costs the same statements for a text with many names as for one with none', async () => {
    const run = (body: string, autoLink = true) =>
      server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: story.frana, headline: 'Conta', body, autoLink } });
    await run('Riscaldamento: il matcher è già costruito.');
    const none = await run('Nessun nome in questo testo.');
    const many = await run(
      'Giulia Ronconi, Pietro Salvi, Ingrid Holm e Tomás Échevarría a Castelmoro, Rivabella, Portolungo e in Valle Ombrosa. Ronconi ha detto: «Siamo pronti». Salvi ha aggiunto: «Anche noi».',
    );
    expect(none.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect(many.extensions!.sqlStatements).toBe(none.extensions!.sqlStatements);
    // Linking's whole price: one read of what to respect and one write of every change.
    const off = await run('Giulia Ronconi a Castelmoro ha detto: «Siamo pronti».', false);
    expect(many.extensions!.sqlStatements).toBe((off.extensions!.sqlStatements as number) + 2);
  });
});

describe('linking runs outside the story\'s lock', () => {
  it('computes the links of createEntry and updateEntry before their transaction', async () => {
    const before = { ...autoLinkCounts };
    const entry = await create('frana', 'Giulia Ronconi è arrivata a Castelmoro.');
    await update(entry.id, { body: 'Giulia Ronconi è ripartita per Rivabella.' });
    expect(autoLinkCounts.beforeLock - before.beforeLock).toBe(2);
    expect(autoLinkCounts.underLock - before.underLock).toBe(0);
  });

  it('computes them again under the lock when another editor changed what they depend on, with the same result as one after the other', async () => {
    const created = await server.edit<{ createStory: { story: { id: string } } }>(`mutation ($input: CreateStoryInput!) { createStory(input: $input) { story { id } } }`, {
      input: { slug: 'regata', title: 'Regata', language: 'it', status: 'LIVE' },
    });
    story.regata = created.data!.createStory.story.id;
    const entry = await create('regata', 'Nessun nome, per ora.');
    const entryId = parseNodeId(entry.id, 'id', ['Entry']).id;
    const { db } = server.app.database;
    const matcher = buildMatcher({
      people: await db.select({ id: people.id, name: people.name, aliases: people.aliases }).from(people),
      places: await db.select({ id: places.id, name: places.name, aliases: places.aliases }).from(places),
    });
    const body = 'Holm è arrivato a Portolungo.';
    // The editor's update reads and computes first: "Holm" alone is two people of the catalog, so nobody is linked...
    const prepared = await prepareEntryUpdateLinks(db, matcher, { entryId, body });
    expect(prepared!.changes.people).toEqual([]);
    // ...then, before its transaction takes the lock, another entry of the story names Karl Holm: "Holm" is now his.
    await create('regata', 'Karl Holm è in testa alla regata.');
    const underLock = autoLinkCounts.underLock;
    await db.transaction(async (tx) => {
      const { story: row } = await lockEntry(tx, entryId);
      const [updated] = await tx.update(entries).set({ body }).where(eq(entries.id, entryId)).returning();
      await linkEntry(tx, matcher, row, updated!, prepared);
    });
    expect(autoLinkCounts.underLock).toBe(underLock + 1);
    const linked = await read(entry.id, 'editor');
    expect(slugs(linked.people)).toEqual(['karl-holm']);
    expect(slugs(linked.places)).toEqual(['portolungo']);
    // The same edit made after the other one, the ordinary way, links the same.
    expect(slugs((await update(entry.id, { body: `${body} ` })).people)).toEqual(['karl-holm']);
  });
});

describe('editors decide, and their decisions stick', () => {
  it('keeps an unlinked mention off through later edits; a manual link survives the text', async () => {
    const entry = await create('frana', 'A Castelmoro Giulia Ronconi e Pietro Salvi hanno visitato gli sfollati.');
    expect(slugs(entry.people)).toEqual(['giulia-ronconi', 'pietro-salvi']);
    expect((await mutate('unlinkMention', { entry: entry.id, target: person['pietro-salvi'] })).errors).toBeUndefined();
    const edited = await update(entry.id, { body: 'A Castelmoro Giulia Ronconi e Pietro Salvi hanno visitato gli sfollati, poi la scuola.' });
    expect(slugs(edited.people)).toEqual(['giulia-ronconi']);

    // An automatic link goes when the text stops naming it; a link an editor made stays.
    expect((await mutate('linkMention', { entry: entry.id, target: person['giulia-ronconi'] })).errors).toBeUndefined();
    const rewritten = await update(entry.id, { body: 'A Rivabella la visita agli sfollati è finita.' });
    expect(slugs(rewritten.people)).toEqual(['giulia-ronconi']);
    expect(slugs(rewritten.places)).toEqual(['rivabella']);

    // Linking Salvi again by hand lifts the rejection: the next edit keeps him.
    expect((await mutate('linkMention', { entry: entry.id, target: person['pietro-salvi'] })).errors).toBeUndefined();
    const again = await update(entry.id, { body: 'A Rivabella Pietro Salvi resta con gli sfollati.' });
    expect(slugs(again.people)).toEqual(['giulia-ronconi', 'pietro-salvi']);
  });

  it('publishes a quote only once confirmed; a rejected one is not suggested again; edit then confirm', async () => {
    const entry = await create(
      'frana',
      'Giulia Ronconi ha detto: «Le scuole restano chiuse fino a lunedì». Pietro Salvi ha aggiunto: «Servono altri volontari». Su Telegram la prefettura ha scritto: «Strada provinciale riaperta».',
    );
    expect(entry.quotes.map((q) => q.status)).toEqual(['SUGGESTED', 'SUGGESTED', 'SUGGESTED']);
    const [schools, volunteers, road] = entry.quotes;

    expect((await mutate('confirmQuote', { id: schools!.id }, 'quote { status }')).data).toEqual({ confirmQuote: { quote: { status: 'CONFIRMED' } } });
    expect((await mutate('rejectQuote', { id: volunteers!.id }, 'quote { status }')).data).toEqual({ rejectQuote: { quote: { status: 'REJECTED' } } });
    // Edit then confirm: the editor names the speaker the text left to an attribution.
    expect((await mutate('updateQuote', { id: road!.id, attribution: 'Prefettura di Valle Ombrosa', source: 'Telegram' }, 'quote { id }')).errors).toBeUndefined();
    expect((await mutate('confirmQuote', { id: road!.id }, 'quote { status }')).errors).toBeUndefined();

    const asReader = await read(entry.id);
    expect(asReader.quotes.map((q) => [q.text, q.speaker?.slug ?? q.attribution])).toEqual([
      ['Le scuole restano chiuse fino a lunedì', 'giulia-ronconi'],
      ['Strada provinciale riaperta', 'Prefettura di Valle Ombrosa'],
    ]);
    const found = await server.gql<{ quotes: { edges: { node: { text: string } }[] } }>(
      `query ($s: ID!) { quotes(speaker: $s) { edges { node { text } } } }`,
      { s: person['giulia-ronconi'] },
    );
    expect(found.data!.quotes.edges.map((e) => e.node.text)).toEqual(['Le scuole restano chiuse fino a lunedì']);

    // The reader's page shows the confirmed quote, never the rejected suggestion.
    const page = await (await fetch(`${server.url}/live/frana`)).text();
    // (A quote the body contains is marked where it stands, with its speaker; the page's data carries no entry text.)
    expect(page).toMatch(/<mark class="quote-inline" data-quote="[^"]+" title="— Giulia Ronconi">Le scuole restano chiuse fino a lunedì<\/mark>/);
    expect(page).toContain('Servono altri volontari'); // in the body, as written
    expect(page).not.toMatch(/>Servono altri volontari<\/(mark|p|blockquote)>/); // never as a quote

    // The next edit keeps every decision: nothing suggested again, the confirmed ones stay as they are.
    const edited = await update(entry.id, {
      body: 'Giulia Ronconi ha detto: «Le scuole restano chiuse fino a lunedì». Pietro Salvi ha aggiunto: «Servono altri volontari». Su Telegram la prefettura ha scritto: «Strada provinciale riaperta». Holm tace.',
    });
    expect(edited.quotes.map((q) => [q.text, q.status])).toEqual([
      ['Le scuole restano chiuse fino a lunedì', 'CONFIRMED'],
      ['Strada provinciale riaperta', 'CONFIRMED'],
    ]);

    // A suggestion the text no longer holds goes away.
    const next = await create('frana', 'Pietro Salvi ha detto: «Domani si riparte».');
    expect(next.quotes).toHaveLength(1);
    const rewritten = await update(next.id, { body: 'Pietro Salvi ha parlato ai volontari.' });
    expect(rewritten.quotes).toEqual([]);
  });

  it('refuses to reject a confirmed quote, and readers cannot decide', async () => {
    const entry = await create('frana', 'Ronconi ha detto: «Grazie ai volontari».', { quotes: [{ text: 'Parole scritte a mano', attribution: 'La redazione' }] });
    const written = entry.quotes.find((q) => q.text === 'Parole scritte a mano')!;
    expect(written.status).toBe('CONFIRMED');
    const refused = await mutate('rejectQuote', { id: written.id }, 'quote { id }');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
    const suggestion = entry.quotes.find((q) => q.status === 'SUGGESTED')!;
    const asReader = await server.gql(`mutation ($id: ID!) { confirmQuote(input: { id: $id }) { quote { id } } }`, { id: suggestion.id });
    expect(asReader.errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    expect((await server.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: suggestion.id })).data).toEqual({ node: null });
  });
});

describe('the live stream carries the links in the entry\'s event', () => {
  it('delivers people and places with the PUBLISHED event, no suggestion to readers, and follows a region to its villages', async () => {
    const query = `subscription ($story: ID!, $filter: StoryEventFilter, $after: String) { storyEvents(story: $story, filter: $filter, after: $after) { cursor kind entry { people { slug } places { slug } quotes { text } } } }`;
    type Event = { storyEvents: { cursor: string; kind: string; entry: { people: { slug: string }[]; places: { slug: string }[]; quotes: unknown[] } } };
    const client = wsClient(server.url);
    const all = collect<Event>(client, query, { story: story.frana });
    const region = collect<Event>(client, query, { story: story.frana, filter: { mentioning: place['valle-ombrosa'] } });
    await new Promise((r) => setTimeout(r, 300));
    await create('frana', 'A Portolungo nessun danno.');
    await create('frana', 'A Castelmoro Giulia Ronconi ha detto: «Apriamo la palestra».');
    const [first, second] = (await all.waitFor(2)).map((e) => e.storyEvents);
    expect(first!.entry.places).toEqual([{ slug: 'portolungo' }]);
    expect(second).toEqual({ cursor: expect.any(String), kind: 'PUBLISHED', entry: { people: [{ slug: 'giulia-ronconi' }], places: [{ slug: 'castelmoro' }], quotes: [] } });
    // A replay from the event before shows the same: the links, and still no suggestion.
    const replay = collect<Event>(client, query, { story: story.frana, after: first!.cursor });
    const [replayed] = await replay.waitFor(1);
    expect(replayed!.storyEvents).toEqual(second);
    replay.stop();
    const [fromRegion] = await region.waitFor(1);
    expect(fromRegion!.storyEvents.entry.places).toEqual([{ slug: 'castelmoro' }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(region.values).toHaveLength(1); // Portolungo is not in the region
    all.stop();
    region.stop();
    await client.dispose();
  });
});

describe('reaching the graph', () => {
  it('filters a story\'s entries by a region, including its villages, and not by other places', async () => {
    const res = await server.gql<{ story: { region: { edges: { node: Entry }[] }; village: { edges: unknown[] } } }>(
      `query ($region: ID!, $village: ID!) { story(slug: "frana") {
        region: entries(mentioning: $region, first: 100) { edges { node { places { slug } } } }
        village: entries(mentioning: $village, first: 100) { edges { node { id } } } } }`,
      { region: place['valle-ombrosa'], village: place.castelmoro },
    );
    expect(res.errors).toBeUndefined();
    const regionEntries = res.data!.story.region.edges.map((e) => slugs(e.node.places));
    expect(regionEntries.length).toBeGreaterThan(res.data!.story.village.edges.length);
    // Every entry found names the region or a village in it; one that names only Portolungo is not found.
    for (const placesOfEntry of regionEntries) expect(placesOfEntry.some((s) => ['valle-ombrosa', 'castelmoro', 'rivabella'].includes(s))).toBe(true);
    expect(regionEntries.some((p) => p.includes('rivabella'))).toBe(true);
  });

  it('searches people and places anywhere in names and aliases, without accents or case', async () => {
    const people = (search: string) =>
      server.gql<{ people: { edges: { node: { slug: string } }[] } }>(`query ($s: String) { people(search: $s) { edges { node { slug } } } }`, { s: search }).then((r) => r.data!.people.edges.map((e) => e.node.slug));
    const places = (search: string) =>
      server.gql<{ places: { edges: { node: { slug: string } }[] } }>(`query ($s: String) { places(search: $s) { edges { node { slug } } } }`, { s: search }).then((r) => r.data!.places.edges.map((e) => e.node.slug));
    expect(await people('echevarria')).toEqual(['tomas-echevarria']);
    expect(await people('ÉCHEVARRÍA')).toEqual(['tomas-echevarria']);
    expect(await people('chevar')).toEqual(['tomas-echevarria']);
    expect(await people('holm')).toEqual(['ingrid-holm', 'karl-holm']);
    expect(await people('100%')).toEqual([]);
    expect(await people('o_e')).toEqual([]);
    expect(await places('ombr')).toEqual(['valle-ombrosa']);
    expect(await places("val d'ombra")).toEqual(['valle-ombrosa']);
    expect(await places('VAL D’OMBRA')).toEqual(['valle-ombrosa']); // typographic apostrophe
    expect(await places('rivabella')).toEqual(['rivabella']);
    expect(await places('bèlla')).toEqual(['rivabella']);
    expect(await places('zzz')).toEqual([]);
    const tooLong = await server.gql(`query ($s: String) { people(search: $s) { edges { node { slug } } } }`, { s: 'x'.repeat(201) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
  });

  it('lists quotes by story and words, and never those of drafts or unpublished stories to readers', async () => {
    await create('bozza', 'Giulia Ronconi ha detto: «Frase confermata ma in bozza».', { quotes: [{ text: 'Frase scritta in bozza', speaker: person['giulia-ronconi'] }] });
    const draft = await create('frana', 'Testo in bozza.', { publish: false, quotes: [{ text: 'Frase di una bozza', attribution: 'Qualcuno' }] });
    expect(draft.quotes).toHaveLength(1);
    const byWords = await server.gql<{ quotes: { edges: { node: { text: string } }[] } }>(`{ quotes(search: "bozza") { edges { node { text } } } }`);
    expect(byWords.data!.quotes.edges).toEqual([]);
    const asEditor = await server.edit<{ quotes: { edges: { node: { text: string } }[] } }>(`{ quotes(search: "BOZZA") { edges { node { text } } } }`);
    expect(asEditor.data!.quotes.edges.map((e) => e.node.text).sort()).toEqual(['Frase confermata ma in bozza', 'Frase di una bozza', 'Frase scritta in bozza']);
    const byStory = await server.gql<{ quotes: { edges: { node: { text: string; story: { slug: string } } }[] } }>(
      `query ($s: ID!) { quotes(story: $s, first: 100) { edges { node { text story { slug } } } } }`,
      { s: story.frana },
    );
    expect(byStory.errors).toBeUndefined();
    expect(byStory.data!.quotes.edges.length).toBeGreaterThan(0);
    for (const e of byStory.data!.quotes.edges) expect(e.node.story.slug).toBe('frana');
    const badId = await server.gql(`{ quotes(speaker: "nope") { edges { node { id } } } }`);
    expect(badId.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
