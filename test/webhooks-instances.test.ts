/**
 * Webhook delivery across instances: an instance stopped mid-way (while the
 * receiver is failing) and another started on the same database finishes
 * the job; two instances on one PostgreSQL database deliver each event
 * once, in order. Counted by delivery id: nothing lost, nothing duplicated.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { type TestDatabase, createTestDatabase, databaseKind } from './helpers/database.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { type Receiver, startReceiver, until } from './helpers/webhook-receiver.js';

const FAST = {
  SEED_DEMO: 'false',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_BACKOFF_BASE_MS: '20',
  WEBHOOK_BACKOFF_MAX_MS: '80',
  WEBHOOK_POLL_INTERVAL_MS: '20',
};

let receiver: Receiver;
let database: TestDatabase;
const running: TestServer[] = [];


async function start(env: Record<string, string> = {}) {
  const server = await startTestServer({ ...FAST, WEBHOOK_ALLOWED_TARGETS: receiver.target, ...env }, database);
  running.push(server);
  return server;
}
async function stop(server: TestServer) {
  await server.stop();
  running.splice(running.indexOf(server), 1);
}

async function admin(server: TestServer, query: string, variables: Record<string, unknown>) {
  const res = await server.gql<Record<string, { secret?: string; story?: { id: string }; entry?: { id: string } }>>(query, variables, {
    authorization: `Bearer ${await server.token('admin')}`,
  });
  expect(res.errors).toBeUndefined();
  return Object.values(res.data!)[0]!;
}
const createStory = (server: TestServer, slug: string) =>
  admin(server, `mutation ($slug: String!) { createStory(input: { slug: $slug, title: "T", language: "en", status: LIVE }) { story { id } } }`, { slug }).then((p) => p.story!.id);
const publish = (server: TestServer, story: string, headline: string) =>
  admin(server, `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story, headline, body: headline } });
async function register(server: TestServer, path: string, input: Record<string, unknown>) {
  const { secret } = await admin(server, `mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }`, { input: { url: `${receiver.url}${path}`, ...input } });
  receiver.secret(path, secret!);
}

beforeAll(async () => {
  receiver = await startReceiver();
  // Two servers open it one after the other (PGlite: a copy of the template on disk) or at once (PostgreSQL).
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const server of [...running]) await stop(server);
  await database?.drop();
  await receiver?.close();
});

describe('webhooks across instances', () => {
  it('an instance restarted mid-way: the next one delivers the rest, in order, nothing lost or duplicated', async () => {
    receiver.route('/restart', ['ok', 'ok'], 'fail');
    const first = await start();
    const story = await createStory(first, 'restart-story');
    await register(first, '/restart', { story, events: ['PUBLISHED'] });
    const before = ['R1', 'R2', 'R3', 'R4', 'R5'];
    for (const h of before) await publish(first, story, h);
    await until('two delivered and the third failing', () => receiver.acknowledged('/restart').length === 2 && receiver.received.some((r) => r.path === '/restart' && r.answer === 'fail'));
    await stop(first);

    receiver.route('/restart', [], 'ok');
    const second = await start();
    for (const h of ['R6', 'R7']) await publish(second, story, h);
    await until('all seven delivered', () => receiver.acknowledged('/restart').length >= 7);

    const acked = receiver.acknowledged('/restart');
    expect(acked.map((r) => r.body.event.entry!.headline)).toEqual([...before, 'R6', 'R7']);
    expect(acked.every((r) => r.signatureValid && r.standardValid)).toBe(true);
    // Every request the receiver saw belongs to one of the seven deliveries; none was answered 2xx twice.
    const all = receiver.received.filter((r) => r.path === '/restart');
    expect(new Set(all.map((r) => r.deliveryId)).size).toBe(7);
    expect(all.filter((r) => r.answer === 'ok')).toHaveLength(7);
    await stop(second);
  });

  it('an instance that died mid-attempt: its lease runs out and another instance delivers it, under the same delivery id', async () => {
    receiver.route('/crash', [], 'ok');
    // This instance only writes (WEBHOOK_DELIVERY=false); then it plays the instance that claimed the delivery and died.
    const writer = await start({ WEBHOOK_DELIVERY: 'false' });
    const story = await createStory(writer, 'crash-story');
    await register(writer, '/crash', { story, events: ['PUBLISHED'] });
    await publish(writer, story, 'C1');
    const [claimed] = await queryRows<{ delivery_id: string }>(
      writer.app.database.db,
      sql`update webhook_deliveries set lease_owner = 'an-instance-that-died', lease_until = now() + interval '500 milliseconds', attempts = 1, last_attempt_at = now()
          where delivered_at is null and webhook_id in (select id from webhooks where url like '%/crash') returning delivery_id`,
    );
    expect(claimed).toBeDefined();
    await stop(writer);

    const survivor = await start();
    await until('the orphaned delivery delivered', () => receiver.acknowledged('/crash').length >= 1);
    const all = receiver.received.filter((r) => r.path === '/crash');
    expect(all.map((r) => r.deliveryId)).toEqual([claimed!.delivery_id]);
    expect(all[0]!.body.event.entry!.headline).toBe('C1');
    const readRow = async () =>
      (
        await queryRows<{ attempts: number; lease_owner: string | null; delivered: boolean }>(
          survivor.app.database.db,
          sql`select attempts, lease_owner, delivered_at is not null as delivered from webhook_deliveries where delivery_id = ${claimed!.delivery_id}`,
        )
      )[0];
    // The receiver's 200 comes before the deliverer records it: wait for the record, then check it.
    await until('the delivery recorded', async () => (await readRow())?.delivered === true);
    const row = await readRow();
    expect(row).toEqual({ attempts: 2, lease_owner: null, delivered: true });
    await stop(survivor);
  });

  it.runIf(databaseKind === 'postgres')('two instances on one PostgreSQL database deliver each event once, in order per subscription', async () => {
    receiver.route('/pair-all', [], 'ok');
    receiver.route('/pair-one', [], 'ok');
    const a = await start();
    const b = await start();
    const storyA = await createStory(a, 'pair-a');
    const storyB = await createStory(b, 'pair-b');
    await register(a, '/pair-all', { events: ['PUBLISHED'] });
    await register(b, '/pair-one', { story: storyA, events: ['PUBLISHED'] });
    const count = 30;
    // Both instances write at once, into both stories.
    await Promise.all(
      Array.from({ length: count }, (_, i) => publish(i % 2 ? a : b, i % 3 ? storyA : storyB, `E${i}`)),
    );
    const toA = Array.from({ length: count }, (_, i) => i).filter((i) => i % 3 !== 0).length;
    await until('every event delivered', () => receiver.acknowledged('/pair-all').length >= count && receiver.acknowledged('/pair-one').length >= toA);

    for (const [path, expected] of [['/pair-all', count], ['/pair-one', toA]] as const) {
      const all = receiver.received.filter((r) => r.path === path);
      // Exactly once: no retries were needed, and no event went out from both instances.
      expect(all).toHaveLength(expected);
      expect(new Set(all.map((r) => r.deliveryId)).size).toBe(expected);
      expect(all.every((r) => r.signatureValid && r.standardValid)).toBe(true);
    }
    // In order per subscription: within each story, sequences arrive increasing.
    for (const path of ['/pair-all', '/pair-one']) {
      const bySlug = new Map<string, number[]>();
      for (const r of receiver.received.filter((x) => x.path === path)) bySlug.set(r.body.event.story.slug, [...(bySlug.get(r.body.event.story.slug) ?? []), r.body.event.sequence]);
      for (const sequences of bySlug.values()) expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    }
  });
});
