/**
 * The domain without GraphQL: loaders and editing called with nothing but an
 * Access ({ db, viewer }) on a fresh database, as any other caller (a job, a
 * feed, a script) would. Fast, and it keeps the domain honest about needing
 * neither the HTTP server nor the GraphQL context.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../src/access.js';
import { type Database, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createPerson, createPlace } from '../src/editing/catalog.js';
import { createEntry, pinEntry, retractEntry, updateEntry } from '../src/editing/entries.js';
import { setMention } from '../src/editing/mentions.js';
import { createQuote, updateQuote } from '../src/editing/quotes.js';
import { createStory } from '../src/editing/stories.js';
import { entriesByIds, newestFirst, storyEntryPages } from '../src/loaders/entries.js';
import { readPage } from '../src/loaders/keyset.js';
import { entryMentionLists, mentionableBySlug, storyMentionOrder, storyMentionPages } from '../src/loaders/mentionables.js';
import { entryQuoteLists } from '../src/loaders/quotes.js';
import { loadEvents } from '../src/live/load-events.js';
import { createLogger } from '../src/logger.js';
import { anonymousReader } from '../src/viewer.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

let testDb: TestDatabase;
let database: Database;
let editor: Access;
let reader: Access;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, log: createLogger({ logLevel: 'silent', logFormat: 'json' }) });
  await migrateDatabase(database);
  editor = { db: database.db, viewer: { role: 'editor', subject: 'desk-7', name: 'Desk' } };
  reader = { db: database.db, viewer: anonymousReader };
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const noFilter = { order: 'NEWEST_FIRST' as const, keyEventsOnly: false, mentioning: null };

describe('domain code with only { db, viewer }', () => {
  it('creates once per idempotency key and records the editor\'s display name as author', async () => {
    const input = { slug: 'domain-story', title: 'Domain story', language: 'en', status: 'live' as const, idempotencyKey: 'k-story' };
    const first = await createStory(editor, input);
    const again = await createStory(editor, input);
    expect(again.id).toBe(first.id);

    const entry = await createEntry(editor, { storyId: first.id, headline: 'One', body: 'Body', publish: true, keyEvent: false, peopleIds: [], placeIds: [], quotes: [] });
    expect(entry.author).toBe('Desk');
    // A token subject is an id, not a byline: without a display name the entry has none.
    const unnamed = await createEntry({ ...editor, viewer: { role: 'editor', subject: 'desk-7' } }, { storyId: first.id, headline: 'Two', body: 'Body', publish: true, keyEvent: false, peopleIds: [], placeIds: [], quotes: [] });
    expect(unnamed.author).toBeNull();
  });

  it('hides drafts from readers and shows them to editors', async () => {
    const story = await createStory(editor, { slug: 'drafts', title: 'Drafts', language: 'en', status: 'live' });
    const draft = await createEntry(editor, { storyId: story.id, headline: 'Draft', body: 'Not yet', publish: false, keyEvent: false, peopleIds: [], placeIds: [], quotes: [] });
    const published = await createEntry(editor, { storyId: story.id, headline: 'Out', body: 'Now', publish: true, keyEvent: false, peopleIds: [], placeIds: [], quotes: [] });

    expect((await entriesByIds(reader, [draft.id, published.id])).map((e) => e.id)).toEqual([published.id]);
    expect((await entriesByIds(editor, [draft.id, published.id])).map((e) => e.id).sort()).toEqual([draft.id, published.id].sort());

    const page = readPage({ first: 10 }, newestFirst, 'story entries');
    const [readerFeed] = await storyEntryPages(reader, [story.id], page, noFilter);
    const [editorFeed] = await storyEntryPages(editor, [story.id], page, noFilter);
    expect(readerFeed!.edges.map((e) => e.node.id)).toEqual([published.id]);
    expect(editorFeed!.edges).toHaveLength(2);
  });

  it('links people and places the same way, and ranks them per story', async () => {
    const story = await createStory(editor, { slug: 'mentions', title: 'Mentions', language: 'en', status: 'live' });
    const person = await createPerson(editor, { slug: 'ada-byron', name: 'Ada Byron', aliases: ['Ada'] });
    const place = await createPlace(editor, { slug: 'turin', name: 'Turin', kind: 'city' });
    const a = await createEntry(editor, { storyId: story.id, headline: 'A', body: 'a', publish: true, keyEvent: false, peopleIds: [person.id], placeIds: [], quotes: [] });
    const b = await createEntry(editor, { storyId: story.id, headline: 'B', body: 'b', publish: true, keyEvent: false, peopleIds: [person.id], placeIds: [], quotes: [] });

    await setMention(editor, a.id, { typename: 'Place', id: place.id }, true);
    await setMention(editor, b.id, { typename: 'Person', id: person.id }, false);

    const [aPlaces, bPlaces] = await entryMentionLists(reader, 'Place', [a.id, b.id]);
    expect(aPlaces!.map((p) => p.slug)).toEqual(['turin']);
    expect(bPlaces).toEqual([]);
    const [bPeople] = await entryMentionLists(reader, 'Person', [b.id]);
    expect(bPeople).toEqual([]);

    const [ranked] = await storyMentionPages(reader, 'Person', [story.id], readPage({ first: 5 }, storyMentionOrder('Person'), 'story people'));
    expect(ranked!.edges.map((e) => [e.node.slug, e.node.mentions])).toEqual([['ada-byron', 1]]);
    expect((await mentionableBySlug(reader, 'Place', 'turin'))?.id).toBe(place.id);

    const [mentioningTurin] = await storyEntryPages(reader, [story.id], readPage({ first: 10 }, newestFirst, 'story entries'), { ...noFilter, mentioning: { typename: 'Place', id: place.id } });
    expect(mentioningTurin!.edges.map((e) => e.node.id)).toEqual([a.id]);
  });

  it('refuses a quote that names nobody, naming the field', async () => {
    const story = await createStory(editor, { slug: 'quotes', title: 'Quotes', language: 'en', status: 'live' });
    const entry = await createEntry(editor, { storyId: story.id, headline: 'Q', body: 'q', publish: true, keyEvent: false, peopleIds: [], placeIds: [], quotes: [] });
    await expect(createQuote(editor, entry.id, { text: 'We will not stop' })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });

    const quote = await createQuote(editor, entry.id, { text: 'We will not stop', attribution: 'the mayor' });
    await expect(updateQuote(editor, quote.id, { attribution: null })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const [quotes] = await entryQuoteLists(reader, [entry.id]);
    expect(quotes!.map((q) => q.attribution)).toEqual(['the mayor']);
  });

  it('appends one event per change, in order, carrying the entry and its mentions', async () => {
    const story = await createStory(editor, { slug: 'events', title: 'Events', language: 'en', status: 'live' });
    const person = await createPerson(editor, { slug: 'grace-hopper', name: 'Grace Hopper' });
    const entry = await createEntry(editor, { storyId: story.id, headline: 'E', body: 'e', publish: true, keyEvent: false, peopleIds: [person.id], placeIds: [], quotes: [] });
    await updateEntry(editor, { id: entry.id, body: 'e, corrected', correctionNote: 'typo' });
    await pinEntry(editor, entry.id);
    await retractEntry(editor, entry.id, 'wrong');

    const events = await loadEvents(database.db, story.id, 0, { limit: 100 });
    const kinds = events.map((e) => e.row.kind);
    expect(kinds.slice(0, 2)).toEqual(['published', 'updated']);
    expect(kinds).toContain('pinned');
    expect(kinds).toContain('retracted');
    expect(events.map((e) => e.row.seq)).toEqual([...events.map((e) => e.row.seq)].sort((x, y) => x - y));
    expect([...events[0]!.mentions.Person]).toEqual([person.id]);
  });
});
