/**
 * Legal takedown: the entry's text leaves the database (the entry, its
 * revisions, its quotes and mentions, every stored event state), the
 * tickers hear TAKEN_DOWN, and no replay — from memory, from the log, on
 * another instance, filtered by a mention — brings any of it back.
 */
import { pino } from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

const SECRET = 'Zyxwvutsrq';
let database: TestDatabase;
let server: TestServer;
let storyId: string;
let startCursor: string;
let personId: string;
let entryId: string;
let admin: Record<string, string>;

const call = async <T = Record<string, unknown>>(name: string, input: Record<string, unknown>, selection: string, headers?: Record<string, string>) => {
  const query = `mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`;
  const res = headers ? await server.gql<Record<string, T>>(query, { input }, headers) : await server.edit<Record<string, T>>(query, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors };
};
type Event = { storyEvents: { kind: string; entry: { id: string; headline: string; body: string | null; status: string; takedownReason: string | null } | null } };
const follow = `subscription ($story: ID!, $after: String, $filter: StoryEventFilter) {
  storyEvents(story: $story, after: $after, filter: $filter) { kind entry { id headline body status takedownReason } }
}`;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer({ SEED_DEMO: 'false' }, database);
  admin = { authorization: `Bearer ${await server.token('admin', 'legal-desk')}` };
  const story = await call<{ story: { id: string; eventCursor: string } }>('createStory', { slug: 'rimozione', title: 'Rimozione', language: 'it', status: 'LIVE' }, 'story { id eventCursor }');
  storyId = story.data!.story.id;
  startCursor = story.data!.story.eventCursor;
  personId = (await call<{ person: { id: string } }>('createPerson', { slug: 'mario-bianchi', name: 'Mario Bianchi' }, 'person { id }')).data!.person.id;
  entryId = (
    await call<{ entry: { id: string } }>(
      'createEntry',
      { story: storyId, headline: `Accuse a ${SECRET}`, body: `Il testo diffamatorio su ${SECRET}.`, people: [personId], keyEvent: true, quotes: [{ text: `${SECRET} ha mentito`, speaker: personId }] },
      'entry { id }',
    )
  ).data!.entry.id;
  await call('updateEntry', { id: entryId, body: `Ancora ${SECRET}.`, correctionNote: `Nota su ${SECRET}` }, 'entry { id }');
  await call('pinEntry', { id: entryId }, 'entry { id }');
  await call('createEntry', { story: storyId, headline: 'Altra notizia', body: 'Resta.' }, 'entry { id }');
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('legal takedown', () => {
  it('is for admins only, and wants a reason', async () => {
    const asEditor = await call('takeDownEntry', { id: entryId, reason: 'Ordine del tribunale' }, 'entry { id }');
    expect(asEditor.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const blank = await call('takeDownEntry', { id: entryId, reason: '  ' }, 'entry { id }', admin);
    expect(blank.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });
  });

  it('erases the text everywhere, leaves a tombstone with the reason, and tells tickers', async () => {
    const now = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "rimozione") { eventCursor } }`)).data!.story.eventCursor;
    const client = wsClient(server.url);
    try {
      const live = collect<Event>(client, follow, { story: storyId, after: now });
      const done = await call<{ entry: { status: string; headline: string; takedownReason: string } }>('takeDownEntry', { id: entryId, reason: 'Rimosso su ordine del tribunale' }, 'entry { status headline takedownReason }', admin);
      expect(done.errors).toBeUndefined();
      expect(done.data!.entry).toEqual({ status: 'RETRACTED', headline: '[removed]', takedownReason: 'Rimosso su ordine del tribunale' });
      const events = await live.waitFor(2);
      live.stop();
      expect(events.map((e) => e.storyEvents.kind)).toEqual(['UNPINNED', 'TAKEN_DOWN']);
      expect(events[1]!.storyEvents.entry).toMatchObject({ status: 'RETRACTED', headline: '[removed]', body: null, takedownReason: 'Rimosso su ordine del tribunale' });
      expect(JSON.stringify(events)).not.toContain(SECRET);
      expect((await call('takeDownEntry', { id: entryId, reason: 'Di nuovo' }, 'entry { id }', admin)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
    } finally {
      await client.dispose();
    }
  });

  it('lets no read, replay or page bring the text back, for editors either', async () => {
    const editorRead = await server.edit(
      `query ($id: ID!, $person: ID!) {
        node(id: $id) { ... on Entry { headline body correctionNote quotes { text } people { name } revisions { edges { node { headline body correctionNote } } } } }
        person: node(id: $person) { ... on Person { quotes { edges { node { text } } } entries { edges { node { id } } } } }
        search(query: "${SECRET}") { edges { cursor } }
      }`,
      { id: entryId, person: personId },
    );
    expect(editorRead.errors).toBeUndefined();
    expect(JSON.stringify(editorRead.data)).not.toContain(SECRET);
    expect(editorRead.data).toMatchObject({ person: { quotes: { edges: [] }, entries: { edges: [] } }, search: { edges: [] } });
    for (const path of ['/live/rimozione', '/live/rimozione/feed.atom', '/live/rimozione/feed.json']) {
      const text = await (await fetch(`${server.url}${path}`)).text();
      expect(text).not.toContain(SECRET);
    }

    const markers: string[] = [];
    const replays = async (target: TestServer) => {
      const client = wsClient(target.url, { authorization: `Bearer ${await target.token('editor')}` });
      try {
        const all = collect<Event>(client, follow, { story: storyId, after: startCursor });
        // published, updated, pinned (the entry), published (another), unpinned, taken_down
        const everything = await all.waitFor(6);
        all.stop();
        const mentioning = collect<Event>(client, follow, { story: storyId, after: startCursor, filter: { mentioning: personId } });
        // Nothing about the entry that mentioned the person survives a mention-filtered replay.
        const marker = await call<{ entry: { id: string } }>('createEntry', { story: storyId, headline: 'Su Bianchi', body: 'Nuova.', people: [personId] }, 'entry { id }');
        markers.push(marker.data!.entry.id);
        const filtered = await mentioning.waitFor(markers.length);
        mentioning.stop();
        expect(filtered.map((e) => e.storyEvents.entry?.id)).toEqual(markers);
        return everything;
      } finally {
        await client.dispose();
      }
    };
    const fromMemory = await replays(server);
    expect(JSON.stringify(fromMemory)).not.toContain(SECRET);
    expect(fromMemory.filter((e) => e.storyEvents.entry?.id === entryId).every((e) => e.storyEvents.entry!.headline === '[removed]')).toBe(true);

    // A fresh instance replays from the log itself (nothing in memory).
    if (databaseKind === 'postgres') {
      const second = await startTestServer({ SEED_DEMO: 'false' }, database);
      try {
        const fromLog = await replays(second);
        expect(JSON.stringify(fromLog)).not.toContain(SECRET);
      } finally {
        await second.stop();
      }
      const direct = await openDatabase({ url: database.url, dataDir: database.dataDir, log: pino({ level: 'silent' }) });
      try {
        for (const table of ['entries', 'entry_revisions', 'quotes', 'story_events']) {
          const rows = (await direct.db.execute(sql.raw(`select count(*)::int as n from ${table} t where t::text like '%${SECRET}%'`))) as unknown as { n: number }[];
          expect([table, rows[0]!.n]).toEqual([table, 0]);
        }
      } finally {
        await direct.close();
      }
    }
  });
});
