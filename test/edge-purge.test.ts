/**
 * The purge outbox: every public event and catalog change writes, in its own
 * transaction, the keys it touched; the drainer sends them to Varnish
 * (xkey PURGE), Fastly (its purge API, on a local server standing in for
 * api.fastly.com) and a generic HTTP purger, soft, or hard for takedowns
 * and retractions; in order, with backoff after failures; and two instances
 * on one database send each purge once.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { readPurgeOutbox } from '../src/edge/drainer.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { type PurgeReceiver, purgedKeys, publishEntry, startPurgeReceiver, storyId } from './helpers/edge.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { until } from './helpers/webhook-receiver.js';

const numeric = (globalId: string) => Number(Buffer.from(globalId, 'base64').toString().split(':')[1]);

let varnish: PurgeReceiver;
let fastly: PurgeReceiver;
let generic: PurgeReceiver;
const FAST = {
  EDGE_PURGE_POLL_INTERVAL_MS: '50',
  EDGE_PURGE_BACKOFF_BASE_MS: '20',
  EDGE_PURGE_BACKOFF_MAX_MS: '80',
  EDGE_PURGE_TIMEOUT_MS: '2000',
};
const purgers = () => ({
  VARNISH_PURGE_URL: `${varnish.url}/`,
  FASTLY_SERVICE_ID: 'SU1Z0isxPaozGVKXdv0eY',
  FASTLY_API_TOKEN: 'test-fastly-token',
  FASTLY_API_URL: fastly.url,
  PURGE_URL: `${generic.url}/purge`,
});

beforeAll(async () => {
  [varnish, fastly, generic] = await Promise.all([startPurgeReceiver(), startPurgeReceiver(), startPurgeReceiver()]);
});
afterAll(async () => {
  await Promise.all([varnish.close(), fastly.close(), generic.close()]);
});

const drained = (server: TestServer) => until('the purge outbox to drain', async () => (await readPurgeOutbox(server.app.database.db)).pending === 0);
/** Requests of a receiver, answered 200, that name this key. */
const naming = (receiver: PurgeReceiver, key: string) => receiver.requests.filter((r) => r.status === 200 && purgedKeys(r).includes(key));

describe('edge purges', () => {
  let server: TestServer;
  let story: string;
  beforeAll(async () => {
    server = await startTestServer({ ...FAST, ...purgers() });
    story = await storyId(server, demoStory.slug);
    await drained(server);
  });
  afterAll(() => server.stop());

  it('writes the keys an event touched in its transaction, and sends them soft to every purger', async () => {
    const entry = await publishEntry(server, story, 'Purge me softly');
    const id = numeric(entry);
    // Written with the event: the row is there as soon as the mutation has answered.
    const rows = await queryRows<{ keys: string[]; hard: boolean; kind: string }>(
      server.app.database.db,
      sql`select p.keys, p.hard, e.kind from edge_purges p join story_events e on e.id = p.event_id where e.entry_id = ${id}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('published');
    expect(rows[0]!.hard).toBe(false);
    expect(rows[0]!.keys).toEqual(expect.arrayContaining([`story-${numeric(story)}`, `entry-${id}`, 'stories', 'all']));
    await drained(server);

    const [toVarnish] = naming(varnish, `entry-${id}`);
    expect(toVarnish).toMatchObject({ method: 'PURGE', path: '/' });
    expect(toVarnish!.headers['xkey-softpurge']).toBeDefined();
    expect(toVarnish!.headers['xkey-purge']).toBeUndefined();

    const [toFastly] = naming(fastly, `entry-${id}`);
    expect(toFastly).toMatchObject({ method: 'POST', path: '/service/SU1Z0isxPaozGVKXdv0eY/purge' });
    expect(toFastly!.headers['fastly-key']).toBe('test-fastly-token');
    expect(toFastly!.headers['fastly-soft-purge']).toBe('1');

    const [toGeneric] = naming(generic, `entry-${id}`);
    expect(toGeneric).toMatchObject({ method: 'POST', path: '/purge' });
    expect(JSON.parse(toGeneric!.body)).toMatchObject({ hard: false, keys: expect.arrayContaining([`entry-${id}`]) });
  });

  it('purges hard on a takedown, soft on the rest', async () => {
    const entry = await publishEntry(server, story, 'Taken down soon');
    await drained(server);
    const admin = await server.token('admin');
    const res = await server.gql('mutation ($input: TakeDownEntryInput!) { takeDownEntry(input: $input) { entry { id } } }', { input: { id: entry, reason: 'Court order' } }, { authorization: `Bearer ${admin}` });
    expect(res.errors).toBeUndefined();
    await drained(server);
    const key = `entry-${numeric(entry)}`;
    const hardToVarnish = varnish.requests.filter((r) => r.status === 200 && String(r.headers['xkey-purge'] ?? '').split(' ').includes(key));
    expect(hardToVarnish).toHaveLength(1);
    const hardToFastly = naming(fastly, key).filter((r) => r.headers['fastly-soft-purge'] === undefined);
    expect(hardToFastly).toHaveLength(1);
    expect(naming(generic, key).map((r) => (JSON.parse(r.body) as { hard: boolean }).hard)).toEqual([false, true]);
  });

  it('purges the catalog keys of a person edited, wherever the name is shown', async () => {
    const found = await server.gql<{ people: { edges: { node: { id: string } }[] } }>('{ people(first: 1) { edges { node { id } } } }');
    const person = found.data!.people.edges[0]!.node.id;
    const res = await server.edit('mutation ($input: UpdatePersonInput!) { updatePerson(input: $input) { person { id } } }', { input: { id: person, description: 'An edited role' } });
    expect(res.errors).toBeUndefined();
    await drained(server);
    const keys = naming(varnish, `person-${numeric(person)}-name`).flatMap(purgedKeys);
    expect(keys).toEqual(expect.arrayContaining([`person-${numeric(person)}`, 'people', 'all']));
  });

  it('purges both people of a merge: the loser, gone, and the winner, who took its lists', async () => {
    const create = async (slug: string) => {
      const res = await server.edit<{ createPerson: { person: { id: string } } }>('mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }', { input: { slug, name: `Name of ${slug}` } });
      expect(res.errors).toBeUndefined();
      return res.data!.createPerson.person.id;
    };
    const [winner, loser] = [await create('edge-winner'), await create('edge-loser')];
    await drained(server);
    const admin = await server.token('admin');
    const res = await server.gql('mutation ($input: MergePeopleInput!) { mergePeople(input: $input) { mergedId } }', { input: { winner, loser } }, { authorization: `Bearer ${admin}` });
    expect(res.errors).toBeUndefined();
    await drained(server);
    for (const id of [winner, loser]) {
      expect(naming(varnish, `person-${numeric(id)}-name`).length, id).toBeGreaterThanOrEqual(2);
      expect(naming(varnish, `person-${numeric(id)}`).length, id).toBeGreaterThanOrEqual(2);
    }
  });

  it('retries with backoff while a purger fails, then sends everything in order', async () => {
    varnish.failAll(true);
    const before = server.app.purges!.outcomes();
    const entries: number[] = [];
    for (const headline of ['First in line', 'Second in line', 'Third in line']) entries.push(numeric(await publishEntry(server, story, headline)));
    let failing = await readPurgeOutbox(server.app.database.db);
    await until('a failed round recorded', async () => (failing = await readPurgeOutbox(server.app.database.db)).failures > 0);
    expect(failing.pending).toBeGreaterThan(0);
    expect(failing.oldestPendingAgeSeconds).not.toBeNull();
    expect(failing.lastError).toMatch(/HTTP 500/);
    // Backing off: a few attempts while the purger fails, not one per poll.
    await until('more failed rounds', async () => (await readPurgeOutbox(server.app.database.db)).failures >= 3);
    varnish.failAll(false);
    await drained(server);
    const state = await readPurgeOutbox(server.app.database.db);
    expect(state).toMatchObject({ pending: 0, oldestPendingAgeSeconds: null, failures: 0, lastError: null });
    const after = server.app.purges!.outcomes();
    const varnishName = Object.keys(after).find((n) => n.startsWith('varnish'))!;
    const failedAttempts = after[varnishName]!.failed - before[varnishName]!.failed;
    expect(failedAttempts).toBeGreaterThanOrEqual(3);
    expect(varnish.requests.filter((r) => r.status === 500)).toHaveLength(failedAttempts);
    // Each entry's key reached Varnish, and no later entry's before an earlier one's.
    const firstSeen = entries.map((id) => varnish.requests.findIndex((r) => r.status === 200 && purgedKeys(r).includes(`entry-${id}`)));
    expect(firstSeen.every((at) => at >= 0)).toBe(true);
    expect([...firstSeen].sort((a, b) => a - b)).toEqual(firstSeen);
    // The other purgers were sent the batches again while Varnish failed: harmless, and each got every key.
    for (const id of entries) expect(naming(fastly, `entry-${id}`).length).toBeGreaterThanOrEqual(1);
  });
});

describe.runIf(databaseKind === 'postgres')('edge purges from two instances', () => {
  let database: TestDatabase;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    servers.push(await startTestServer({ ...FAST, ...purgers() }, database));
    servers.push(await startTestServer({ ...FAST, ...purgers() }, database));
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await database.drop();
  });

  it('sends each purge once, whichever instance wrote it', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const story = await storyId(a, demoStory.slug);
    await drained(a);
    const start = varnish.requests.length;
    const entries: number[] = [];
    for (let i = 0; i < 10; i++) entries.push(numeric(await publishEntry(i % 2 === 0 ? a : b, story, `Two instances ${i}`)));
    await drained(a);
    const sent = varnish.requests.slice(start).filter((r) => r.status === 200);
    for (const id of entries) expect(sent.filter((r) => purgedKeys(r).includes(`entry-${id}`)), `entry-${id}`).toHaveLength(1);
    expect(a.app.purges!.delivered + b.app.purges!.delivered).toBeGreaterThanOrEqual(10);
  });
});
