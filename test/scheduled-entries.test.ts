/**
 * Scheduled (embargoed) entries: invisible to readers everywhere until their
 * time, then published exactly once through the event log — by whichever
 * instance gets there first, after a restart too.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { publishDueEntries } from '../src/editing/scheduled.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let database: TestDatabase;
let server: TestServer;
let storyId: string;

const m = async <T = Record<string, unknown>>(target: TestServer, name: string, input: Record<string, unknown>, selection: string) => {
  const res = await target.edit<Record<string, T>>(`mutation ($input: ${name[0]!.toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { ${selection} } }`, { input });
  return { data: res.data?.[name] as T | undefined, errors: res.errors };
};
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Asks until `check` holds (a count, not a time, is what the tests assert). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, attempts = 100): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (check(value) || i >= attempts) return value;
    await sleep(100);
  }
}
const statusOf = async (target: TestServer, id: string) =>
  (await target.edit<{ node: { status: string } | null }>(`query ($id: ID!) { node(id: $id) { ... on Entry { status } } }`, { id })).data!.node?.status;

/** PUBLISHED events of the entry in the story's whole log, replayed as an editor. */
async function countEvents(target: TestServer, globalId: string): Promise<number> {
  const entry = await target.edit<{ node: { revision: number } }>(`query ($id: ID!) { node(id: $id) { ... on Entry { revision } } }`, { id: globalId });
  expect(entry.errors).toBeUndefined();
  const client = wsClient(target.url, { authorization: `Bearer ${await target.token('editor')}` });
  try {
    const start = (await target.gql<{ story: { id: string } }>(`{ story(slug: "embargo") { id } }`)).data!.story.id;
    const all = collect<{ storyEvents: { kind: string; entry: { id: string } | null } }>(client, `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { id } } }`, {
      story: start,
      after: firstCursor,
    });
    // Editors' cursors count every event of the log (readers' count public ones only): read both as an editor.
    const total = (await target.edit<{ story: { eventCursor: string } }>(`{ story(slug: "embargo") { eventCursor } }`)).data!.story.eventCursor;
    const seqOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString().split(':')[1]);
    const wanted = seqOf(total) - seqOf(firstCursor);
    const events = await all.waitFor(wanted);
    all.stop();
    return events.filter((e) => e.storyEvents.kind === 'PUBLISHED' && e.storyEvents.entry?.id === globalId).length;
  } finally {
    await client.dispose();
  }
}

let firstCursor: string;

beforeAll(async () => {
  // A database of the file's own (a PGlite one is a data directory), so that an instance can restart on the same data.
  database = await createTestDatabase();
  server = await startTestServer({ SEED_DEMO: 'false' }, database);
  const story = await m<{ story: { id: string; eventCursor: string } }>(server, 'createStory', { slug: 'embargo', title: 'Embargo', language: 'it', status: 'LIVE' }, 'story { id eventCursor }');
  storyId = story.data!.story.id;
  firstCursor = story.data!.story.eventCursor;
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('scheduled entries', () => {
  it('refuses a publication time in the past, naming the field', async () => {
    const res = await m(server, 'createEntry', { story: storyId, headline: 'Ieri', body: 'Troppo tardi.', publishAt: inMs(-60_000) }, 'entry { id }');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.publishAt' });
  });

  it('stays invisible to readers everywhere until its time, then is published once, live', async () => {
    const cursor = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "embargo") { eventCursor } }`)).data!.story.eventCursor;
    const client = wsClient(server.url);
    const stream = collect<{ storyEvents: { kind: string; entry: { headline: string; status: string } | null } }>(
      client,
      `subscription ($story: ID!, $after: String) { storyEvents(story: $story, after: $after) { kind entry { headline status } } }`,
      { story: storyId, after: cursor },
    );
    try {
      // Long enough for the reads below to happen before it, on a loaded machine too.
      const publishAt = inMs(5_000);
      const created = await m<{ entry: { id: string; status: string; publishAt: string; publishedAt: string | null } }>(
        server,
        'createEntry',
        { story: storyId, headline: 'Embargo sul vertice', body: 'Il comunicato esce alle nove.', publishAt, idempotencyKey: 'embargo-1' },
        'entry { id status publishAt publishedAt }',
      );
      expect(created.errors).toBeUndefined();
      expect(created.data!.entry).toMatchObject({ status: 'SCHEDULED', publishedAt: null });
      const id = created.data!.entry.id;

      // Readers: no node, not in the feed, not in search, not on the page, not in the feeds.
      const read = await server.gql<{ node: unknown; story: { entries: { edges: unknown[] }; counts: { entries: number } }; search: { edges: unknown[] } }>(
        `query ($id: ID!) { node(id: $id) { id } story(slug: "embargo") { entries { edges { cursor } } counts { entries } } search(query: "vertice") { edges { cursor } } }`,
        { id },
      );
      expect(read.data).toEqual({ node: null, story: { entries: { edges: [] }, counts: { entries: 0 } }, search: { edges: [] } });
      for (const path of ['/live/embargo', '/live/embargo/feed.atom', '/live/embargo/feed.json']) {
        expect(await (await fetch(`${server.url}${path}`)).text()).not.toContain('Embargo sul vertice');
      }
      expect(await statusOf(server, id)).toBe('SCHEDULED'); // editors see it

      const [event] = await stream.waitFor(1, 15_000);
      expect(event!.storyEvents).toEqual({ kind: 'PUBLISHED', entry: { headline: 'Embargo sul vertice', status: 'PUBLISHED' } });
      expect(stream.values).toHaveLength(1); // the scheduled entry's DRAFTED event is for editors only
      const after = await server.gql<{ node: { status: string; publishedAt: string; publishAt: string } }>(`query ($id: ID!) { node(id: $id) { ... on Entry { status publishedAt publishAt } } }`, { id });
      expect(after.data!.node.status).toBe('PUBLISHED');
      expect(Date.parse(after.data!.node.publishedAt)).toBeGreaterThanOrEqual(Date.parse(publishAt));
      // Published the way publishEntry publishes: the schedule is over (publishAt is for SCHEDULED entries only).
      expect(after.data!.node.publishAt).toBeNull();
      expect(await (await fetch(`${server.url}/live/embargo`)).text()).toContain('Embargo sul vertice');
      expect(await countEvents(server, id)).toBe(1);
    } finally {
      stream.stop();
      await client.dispose();
    }
  });

  it('is still published, once, when the instance restarts in between', async () => {
    const created = await m<{ entry: { id: string } }>(server, 'createEntry', { story: storyId, headline: 'Dopo il riavvio', body: 'Uscita durante un riavvio.', publishAt: inMs(1_500) }, 'entry { id }');
    const id = created.data!.entry.id;
    await server.stop();
    await sleep(2_000); // its time passes while no instance runs
    server = await startTestServer({ SEED_DEMO: 'false' }, database);
    expect(await eventually(() => statusOf(server, id), (s) => s === 'PUBLISHED')).toBe('PUBLISHED');
    expect(await countEvents(server, id)).toBe(1);
  });

  it('does not publish into a story that ended after the entry was scheduled: it goes back to draft', async () => {
    const story = await m<{ story: { id: string } }>(server, 'createStory', { slug: 'finita', title: 'Finita', language: 'it', status: 'LIVE' }, 'story { id }');
    const finita = story.data!.story.id;
    const created = await m<{ entry: { id: string } }>(server, 'createEntry', { story: finita, headline: 'Troppo tardi', body: 'La diretta è chiusa.', publishAt: inMs(1_200) }, 'entry { id }');
    const id = created.data!.entry.id;
    expect((await m(server, 'setStoryStatus', { id: finita, status: 'ENDED' }, 'story { status }')).errors).toBeUndefined();
    expect(await eventually(() => statusOf(server, id), (s) => s === 'DRAFT')).toBe('DRAFT');
    const read = await server.gql<{ story: { counts: { entries: number }; entries: { edges: unknown[] } } }>(`{ story(slug: "finita") { counts { entries } entries { edges { cursor } } } }`);
    expect(read.data!.story).toEqual({ counts: { entries: 0 }, entries: { edges: [] } });
    expect(await (await fetch(`${server.url}/live/finita`)).text()).not.toContain('Troppo tardi');
    // Its time has passed and it stays a draft: the scheduler does not come back to it.
    await sleep(1_500);
    expect(await statusOf(server, id)).toBe('DRAFT');
  });

  it('takes down a scheduled entry without a public tombstone, and never publishes it', async () => {
    const admin = { authorization: `Bearer ${await server.token('admin')}` };
    const cursor = (await server.gql<{ story: { eventCursor: string } }>(`{ story(slug: "embargo") { eventCursor } }`)).data!.story.eventCursor;
    const created = await m<{ entry: { id: string } }>(server, 'createEntry', { story: storyId, headline: 'Da rimuovere', body: 'Mai uscita.', publishAt: inMs(1_200) }, 'entry { id }');
    const id = created.data!.entry.id;
    const down = await server.gql<{ takeDownEntry: { entry: { status: string; publishedAt: string | null } } }>(
      `mutation ($input: TakeDownEntryInput!) { takeDownEntry(input: $input) { entry { status publishedAt } } }`,
      { input: { id, reason: 'Ordine del tribunale' } },
      admin,
    );
    expect(down.errors).toBeUndefined();
    expect(down.data!.takeDownEntry.entry).toEqual({ status: 'DRAFT', publishedAt: null });
    await sleep(1_500);
    expect(await statusOf(server, id)).toBe('DRAFT');
    // Nothing for readers: no node, no tombstone in the feed, no event after their cursor, the story's cursor unmoved.
    const read = await server.gql<{ node: unknown; story: { eventCursor: string; entries: { edges: { node: { id: string } }[] } } }>(
      `query ($id: ID!) { node(id: $id) { id } story(slug: "embargo") { eventCursor entries(first: 100) { edges { node { id } } } } }`,
      { id },
    );
    expect(read.data!.node).toBeNull();
    expect(read.data!.story.entries.edges.map((e) => e.node.id)).not.toContain(id);
    expect(read.data!.story.eventCursor).toBe(cursor);
    // And it cannot be brought back: no edit, no publication.
    const publish = await m(server, 'publishEntry', { id }, 'entry { id }');
    expect(publish.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.id' });
  });

  it.runIf(databaseKind === 'postgres')('two instances publish each entry exactly once', async () => {
    const second = await startTestServer({ SEED_DEMO: 'false' }, database);
    // Two more contenders on their own connections, racing the instances' own schedulers.
    const log = pino({ level: 'silent' });
    const racers = await Promise.all([openDatabase({ url: database.url, dataDir: database.dataDir, log }), openDatabase({ url: database.url, dataDir: database.dataDir, log })]);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await m<{ entry: { id: string } }>(i % 2 ? second : server, 'createEntry', { story: storyId, headline: `Embargo ${i}`, body: 'Testo.', publishAt: inMs(1_200) }, 'entry { id }');
        ids.push(res.data!.entry.id);
      }
      await sleep(1_300);
      const raced = await Promise.all(racers.map((r) => publishDueEntries(r.db)));
      for (const id of ids) expect(await eventually(() => statusOf(second, id), (s) => s === 'PUBLISHED')).toBe('PUBLISHED');
      expect(raced.flat().length).toBeLessThanOrEqual(ids.length);
      for (const id of ids) expect(await countEvents(second, id)).toBe(1);
    } finally {
      await Promise.all(racers.map((r) => r.close()));
      await second.stop();
    }
  });
});
