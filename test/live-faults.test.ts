/**
 * Delivery when things go wrong: a rolled-back transaction, a second API
 * process on the same PostgreSQL, and a LISTEN connection killed mid-stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, lockStory } from '../src/live/append-event.js';
import { databaseKind } from './helpers/database.js';
import { TEST_JWT_SECRET, type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

let server: TestServer;
let storyId: string;
let storyKey: number;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const created = await server.edit<{ createStory: { story: { id: string } } }>(
    `mutation { createStory(input: { slug: "faults", title: "Faults", language: "en", status: LIVE }) { story { id } } }`,
  );
  storyId = created.data!.createStory.story.id;
  storyKey = Number(Buffer.from(storyId, 'base64').toString().split(':')[1]);
});
afterAll(async () => {
  await server?.stop();
});

const follow = `subscription ($story: ID!) { storyEvents(story: $story) { sequence kind entry { headline } } }`;
type Event = { storyEvents: { sequence: number; kind: string; entry: { headline: string } | null } };
const publish = (target: { edit: TestServer['edit'] }, headline: string) =>
  target.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story: storyId, headline, body: 'Text.' } });

async function waitForSubscribers(count: number) {
  for (let i = 0; i < 200 && server.app.live.stats().subscribers < count; i++) await new Promise((r) => setTimeout(r, 25));
}

describe('delivery faults', () => {
  it('delivers nothing from a transaction that rolls back', async () => {
    const client = wsClient(server.url);
    const events = collect<Event>(client, follow, { story: storyId });
    await waitForSubscribers(1);
    await expect(
      server.app.database.db.transaction(async (tx) => {
        await lockStory(tx, storyKey);
        await appendEvent(tx, { storyId: storyKey, kind: 'story_status_changed', entryId: null, public: true, actor: 'test' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // A failing mutation rolls back too: an unknown person makes createEntry fail after the entry was inserted.
    const failed = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
      input: { story: storyId, headline: 'Never', body: 'Never.', people: [Buffer.from('Person:999999').toString('base64')] },
    });
    expect(failed.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    await publish(server, 'After the rollback');
    const [first] = await events.waitFor(1);
    expect(first!.storyEvents.entry!.headline).toBe('After the rollback');
    await new Promise((r) => setTimeout(r, 300));
    expect(events.values).toHaveLength(1);
    await client.dispose();
  });

  it.runIf(databaseKind === 'postgres')('delivers across two API processes sharing only PostgreSQL', async () => {
    const other = await startProcess(server.database.url!);
    try {
      const client = wsClient(other.url);
      const events = collect<Event>(client, follow, { story: storyId });
      await new Promise((r) => setTimeout(r, 500));
      await publish(server, 'Published on instance A');
      const [event] = await events.waitFor(1);
      expect(event!.storyEvents.entry!.headline).toBe('Published on instance A');
      await client.dispose();
    } finally {
      other.child.kill('SIGTERM');
      await once(other.child, 'exit');
    }
  });

  it.runIf(databaseKind === 'postgres')('misses nothing when the LISTEN connection is killed while entries are published', async () => {
    const client = wsClient(server.url);
    const events = collect<Event>(client, follow, { story: storyId });
    await waitForSubscribers(1);
    const admin = postgres(server.database.url!, { max: 1, onnotice: () => {} });
    const killListener = () =>
      admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    let killed = 0;
    for (let i = 0; i < 30; i++) {
      await publish(server, `Entry ${i}`);
      if (i % 10 === 5) killed += (await killListener()).length;
    }
    await admin.end();
    expect(killed).toBeGreaterThanOrEqual(1);
    const received = await events.waitFor(30, 30_000);
    expect(received.map((e) => e.storyEvents.entry!.headline)).toEqual(Array.from({ length: 30 }, (_, i) => `Entry ${i}`));
    const sequences = received.map((e) => e.storyEvents.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    await client.dispose();
  });
});

/** A second API instance, as a separate process, on the same database. */
async function startProcess(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', SEED_DEMO: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const url = /"url":"(http:[^"]+)\/graphql"/.exec(line)?.[1];
    if (url) return { child, url };
  }
  throw new Error('the second instance exited before listening');
}
