/**
 * Legal takedown: everything the entry carried leaves the database (its
 * text, byline, images, sources, quotes and mentions; in the entry, its
 * revisions and every stored event state), the
 * tickers hear TAKEN_DOWN, and no replay — from memory, from the log, on
 * another instance, filtered by a mention — brings any of it back.
 */
import { pino } from 'pino';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../src/db/client.js';
import { entries, storyEvents } from '../src/db/schema.js';
import { parseNodeId } from '../src/global-id.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { readMigration } from './helpers/migrations.js';
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
      {
        story: storyId,
        headline: `Accuse a ${SECRET}`,
        body: `Il testo diffamatorio su ${SECRET}.`,
        author: `Firma ${SECRET}`,
        people: [personId],
        keyEvent: true,
        quotes: [{ text: `${SECRET} ha mentito`, speaker: personId }],
        media: [{ url: `https://img.example.com/${SECRET}.jpg`, alt: `Ritratto di ${SECRET}`, caption: `${SECRET} in tribunale`, credit: `Foto ${SECRET}` }],
      },
      'entry { id }',
    )
  ).data!.entry.id;
  await call('updateEntry', { id: entryId, body: `Ancora ${SECRET}.`, correctionNote: `Nota su ${SECRET}` }, 'entry { id }');
  await call('setVerification', { id: entryId, verification: 'DISPUTED', sources: [{ outlet: `Agenzia ${SECRET}`, url: `https://news.example.com/${SECRET}`, via: `Fonte ${SECRET}` }] }, 'entry { id }');
  // A mention an editor refused says whom the entry was about, too.
  const other = (await call<{ person: { id: string } }>('createPerson', { slug: `altro-${SECRET.toLowerCase()}`, name: `Altro ${SECRET}` }, 'person { id }')).data!.person.id;
  await call('linkMention', { entry: entryId, target: other }, 'entry { id }');
  await call('unlinkMention', { entry: entryId, target: other }, 'entry { id }');
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
        node(id: $id) { ... on Entry { headline body author correctionNote media { url alt caption credit } sources { outlet url via } quotes { text } people { name } revisions { edges { node { headline body by correctionNote } } } } }
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
      // And through a connection of its own, the rows themselves.
      const direct = await openDatabase({ url: database.url, dataDir: database.dataDir, log: pino({ level: 'silent' }) });
      try {
        expect(await rowsHolding(direct.db)).toEqual(CLEAN);
      } finally {
        await direct.close();
      }
    }
  });

  it('leaves nothing the entry carried in any row: text, byline, images, sources, quotes, mentions, refused mentions', async () => {
    expect(await rowsHolding(server.app.database.db)).toEqual(CLEAN);
    const id = parseNodeId(entryId, 'id', ['Entry']).id;
    const [rejected] = await queryRows<{ n: number }>(server.app.database.db, sql`select count(*)::int as n from mention_rejections where entry_id = ${id}`);
    expect(rejected!.n).toBe(0);
    const [row] = await server.app.database.db.select().from(entries).where(eq(entries.id, id));
    expect(row).toMatchObject({ headline: '[removed]', body: '[removed]', author: null, correctionNote: null, media: [], sources: [], takedownReason: 'Rimosso su ordine del tribunale' });
    const snapshots = await server.app.database.db.select({ snapshot: storyEvents.snapshot }).from(storyEvents).where(eq(storyEvents.entryId, id));
    expect(snapshots.length).toBeGreaterThanOrEqual(5);
    for (const { snapshot } of snapshots) expect(snapshot).toMatchObject({ entry: { media: [], sources: [], author: null }, people: [], places: [] });
  });

  it('the takedown_erases_everything migration erases what takedowns made before it left behind (images, revision bylines, refused mentions)', async () => {
    const db = server.app.database.db;
    const id = parseNodeId(entryId, 'id', ['Entry']).id;
    // The state an older takedown left: the images in the row and in every snapshot, the bylines in the revisions, a refused mention.
    const media = [{ url: `https://img.example.com/${SECRET}.jpg`, alt: SECRET, caption: null, credit: null, width: null, height: null }];
    await db.execute(sql`update entries set media = ${JSON.stringify(media)}::jsonb where id = ${id}`);
    await db.execute(sql`update story_events set snapshot = jsonb_set(snapshot, '{entry,media}', ${JSON.stringify(media)}::jsonb) where entry_id = ${id}`);
    await db.execute(sql`update entry_revisions set author = ${SECRET} where entry_id = ${id}`);
    await db.execute(sql`insert into mention_rejections (entry_id, kind, target_id) values (${id}, 'person', 1)`);
    expect((await rowsHolding(db)).filter(([, n]) => n > 0).map(([table]) => table)).toEqual(['entries', 'entry_revisions', 'story_events']);
    const migration = readMigration('takedown_erases_everything');
    for (const statement of migration.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));
    expect(await rowsHolding(db)).toEqual(CLEAN);
    const [rejected] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from mention_rejections where entry_id = ${id}`);
    expect(rejected!.n).toBe(0);
  });
});

const TABLES = ['entries', 'entry_revisions', 'quotes', 'story_events'] as const;
const CLEAN = TABLES.map((table) => [table, 0]);

/** For each table, how many of its rows hold the secret anywhere (any column, JSON included). */
async function rowsHolding(db: Parameters<typeof queryRows>[0]): Promise<[string, number][]> {
  const counts: [string, number][] = [];
  for (const table of TABLES) {
    const [row] = await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table} t where t::text like '%${SECRET}%'`));
    counts.push([table, row!.n]);
  }
  return counts;
}
