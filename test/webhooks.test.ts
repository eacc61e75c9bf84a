/**
 * Webhooks against a real HTTP receiver on loopback: signed deliveries in
 * order, an outage (errors, then a receiver that never answers) survived
 * with nothing lost or duplicated by delivery id, pausing after repeated
 * failures and resuming, and the admin-only API with its validation.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { type Receiver, startReceiver, until } from './helpers/webhook-receiver.js';
import { signDelivery, verifyDelivery } from '../src/webhooks/signature.js';
import { retryDelayMs } from '../src/webhooks/backoff.js';

let server: TestServer;
let receiver: Receiver;
let admin: string;
let storyId: string;
let otherStoryId: string;

const asAdmin = <T>(query: string, variables?: Record<string, unknown>) => server.gql<T>(query, variables, { authorization: `Bearer ${admin}` });

const CREATE = `mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url paused failures events story { slug } } } }`;
interface Created {
  createWebhook: { secret: string; webhook: { id: string; url: string; paused: boolean; failures: number; events: string[]; story: { slug: string } | null } };
}
const STATUS = `query ($id: ID!) { node(id: $id) { ... on Webhook { paused failures pendingDeliveries lastDelivery { deliveryId kind attempts lastStatus error delivered } deliveries(first: 100) { edges { node { deliveryId delivered attempts } } } } } }`;
interface Status {
  node: {
    paused: boolean;
    failures: number;
    pendingDeliveries: number;
    lastDelivery: { deliveryId: string; kind: string; attempts: number; lastStatus: number | null; error: string | null; delivered: boolean } | null;
    deliveries: { edges: { node: { deliveryId: string; delivered: boolean; attempts: number } }[] };
  };
}

async function createStory(slug: string) {
  const res = await server.edit<{ createStory: { story: { id: string } } }>(`mutation ($slug: String!) { createStory(input: { slug: $slug, title: "T", language: "en", status: LIVE }) { story { id } } }`, { slug });
  return res.data!.createStory.story.id;
}
async function publish(story: string, headline: string, publish = true) {
  const res = await server.edit<{ createEntry: { entry: { id: string } } }>(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, {
    input: { story, headline, body: `Body of ${headline}`, publish },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.createEntry.entry.id;
}
async function register(path: string, input: Record<string, unknown>) {
  const res = await asAdmin<Created>(CREATE, { input: { url: `${receiver.url}${path}`, ...input } });
  expect(res.errors).toBeUndefined();
  receiver.secret(path, res.data!.createWebhook.secret);
  return res.data!.createWebhook;
}

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    SEED_DEMO: 'false',
    WEBHOOK_TIMEOUT_MS: '1000',
    // Slow only past the deadline: on a loaded machine an answer in time must not count as a failure (test/hostile-webhooks.test.ts has the slow case).
    WEBHOOK_SLOW_MS: '1000',
    WEBHOOK_BACKOFF_BASE_MS: '20',
    WEBHOOK_BACKOFF_MAX_MS: '100',
    WEBHOOK_POLL_INTERVAL_MS: '20',
    WEBHOOK_PAUSE_AFTER_FAILURES: '4',
    // The receiver is on loopback, which webhooks may reach only when listed.
    WEBHOOK_ALLOWED_TARGETS: receiver.target,
  });
  admin = await server.token('admin', 'the-admin');
  storyId = await createStory('webhook-story');
  otherStoryId = await createStory('other-story');
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

describe('webhook API', () => {
  it('is for admins only', async () => {
    const input = { url: `${receiver.url}/x`, events: ['PUBLISHED'] };
    expect((await server.gql(CREATE, { input })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await server.edit(CREATE, { input })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.edit(`{ webhooks { edges { node { id } } } }`)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('validates its input, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://example.com/hook', events: ['PUBLISHED'] }, 'input.url'],
      [{ url: 'not a url', events: ['PUBLISHED'] }, 'input.url'],
      [{ url: 'https://user:pw@example.com/hook', events: ['PUBLISHED'] }, 'input.url'],
      [{ url: `https://example.com/${'x'.repeat(2000)}`, events: ['PUBLISHED'] }, 'input.url'],
      [{ url: 'https://example.com/hook', events: [] }, 'input.events'],
      [{ url: 'https://example.com/hook', events: ['DRAFTED'] }, 'input.events'],
      [{ url: 'https://example.com/hook', events: ['PUBLISHED'], story: 'bm9wZQ==' }, 'input.story'],
      [{ url: 'https://example.com/hook', events: ['PUBLISHED'], description: 'd'.repeat(501) }, 'input.description'],
    ];
    for (const [input, field] of cases) {
      const res = await asAdmin(CREATE, { input });
      expect(res.errors?.[0]?.extensions, JSON.stringify(input).slice(0, 80)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const missing = await asAdmin(CREATE, { input: { url: `${receiver.url}/hook`, events: ['PUBLISHED'], story: 'U3Rvcnk6OTk5OTk=' } });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.story' });
    const unknown = await asAdmin(`mutation { deleteWebhook(input: { id: "V2ViaG9vazo5OTk5" }) { deletedId } }`);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.id' });
  });

  it('returns the first webhook, secret included, for a retried idempotency key', async () => {
    const input = { url: `${receiver.url}/once`, events: ['PUBLISHED'], idempotencyKey: 'hook-once' };
    const first = await asAdmin<Created>(CREATE, { input });
    const again = await asAdmin<Created>(CREATE, { input });
    expect(again.data!.createWebhook.webhook.id).toBe(first.data!.createWebhook.webhook.id);
    expect(again.data!.createWebhook.secret).toBe(first.data!.createWebhook.secret);
    // Standard Webhooks' format: whsec_ and the padded base64 of 32 random bytes.
    expect(first.data!.createWebhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const conflict = await asAdmin(CREATE, { input: { ...input, url: `${receiver.url}/other` } });
    expect(conflict.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.idempotencyKey' });
    const listed = await asAdmin<{ webhooks: { edges: { node: { url: string } }[] } }>(`{ webhooks(first: 50) { edges { node { url } } } }`);
    expect(listed.data!.webhooks.edges.filter((e) => e.node.url === `${receiver.url}/once`)).toHaveLength(1);
    // Its secret is not readable afterwards: the type has no such field.
    expect((await asAdmin(`{ webhooks { edges { node { secret } } } }`)).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: first.data!.createWebhook.webhook.id });
  });
});

describe('retry delays', () => {
  it('double with each failure, with jitter between half and all of the step, up to the maximum', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 100, 10_000, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 100, 10_000, () => 1))).toEqual([100, 200, 400, 800]);
    expect(retryDelayMs(50, 100, 10_000, () => 1)).toBe(10_000);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(5, 100, 10_000)));
    expect(spread.size).toBeGreaterThan(1);
    for (const d of spread) expect(d >= 800 && d <= 1_600).toBe(true);
  });
});

describe('webhook delivery', () => {
  it('POSTs each wanted public event of its story, signed, in order, with the retracted text left out', async () => {
    const hook = await register('/ordered', { story: storyId, events: ['PUBLISHED', 'UPDATED', 'RETRACTED'] });
    const everything = await register('/everything', { events: ['PUBLISHED'] });
    const a = await publish(storyId, 'First');
    await publish(storyId, 'Draft only', false); // DRAFTED: never sent
    const b = await publish(storyId, 'Second');
    await server.edit(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id: a, body: 'Corrected body' } });
    await server.edit(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { input: { id: b, correctionNote: 'Wrong.' } });
    await server.edit(`mutation ($input: SetKeyEventInput!) { setKeyEvent(input: $input) { entry { id } } }`, { input: { id: a, keyEvent: true } }); // not wanted
    await publish(otherStoryId, 'Elsewhere');
    await until('4 deliveries to /ordered', () => receiver.acknowledged('/ordered').length >= 4);
    await until('3 deliveries to /everything', () => receiver.acknowledged('/everything').length >= 3);

    const got = receiver.acknowledged('/ordered');
    expect(got.map((r) => [r.body.event.kind, r.body.event.entry?.headline])).toEqual([
      ['PUBLISHED', 'First'],
      ['PUBLISHED', 'Second'],
      ['UPDATED', 'First'],
      ['RETRACTED', 'Second'],
    ]);
    expect(got.every((r) => r.signatureValid && r.standardValid)).toBe(true);
    expect(got.map((r) => r.body.event.sequence)).toEqual([...got.map((r) => r.body.event.sequence)].sort((x, y) => x - y));
    expect(got[2]!.body.event.entry!.body).toBe('Corrected body');
    expect(got[3]!.body.event.entry!.body).toBeNull();
    expect(JSON.stringify(receiver.received)).not.toContain('Draft only');
    expect(new Set(got.map((r) => r.deliveryId)).size).toBe(4);
    expect(got.every((r) => r.body.deliveryId === r.deliveryId && r.event === r.body.event.kind.toLowerCase())).toBe(true);
    expect(receiver.acknowledged('/everything').map((r) => `${r.body.event.story.slug}:${r.body.event.entry?.headline}`)).toEqual(['webhook-story:First', 'webhook-story:Second', 'other-story:Elsewhere']);

    const status = await asAdmin<Status>(STATUS, { id: hook.webhook.id });
    expect(status.data!.node).toMatchObject({ paused: false, failures: 0, pendingDeliveries: 0, lastDelivery: { kind: 'RETRACTED', delivered: true, lastStatus: 204, error: null } });
    expect(status.data!.node.deliveries.edges).toHaveLength(4);
    expect(receiver.received.filter((r) => r.path === '/ordered').every((r) => r.signatureValid && r.standardValid)).toBe(true);
    // The check a receiver makes refuses a changed body, another secret and a stale timestamp.
    const body = JSON.stringify(got[0]!.body);
    const now = Math.floor(Date.now() / 1000);
    const signature = signDelivery(hook.secret, now, body);
    expect(verifyDelivery(hook.secret, { timestamp: String(now), signature }, body)).toBe(true);
    expect(verifyDelivery(hook.secret, { timestamp: String(now), signature }, `${body} `)).toBe(false);
    expect(verifyDelivery(everything.secret, { timestamp: String(now), signature }, body)).toBe(false);
    expect(verifyDelivery(hook.secret, { timestamp: String(now - 3600), signature: signDelivery(hook.secret, now - 3600, body) }, body)).toBe(false);
  });

  it('survives a receiver that fails, then times out, then comes back: nothing lost, nothing acknowledged twice', async () => {
    receiver.route('/outage', ['fail', 'fail', 'hang'], 'ok');
    const hook = await register('/outage', { story: storyId, events: ['PUBLISHED'] });
    const headlines = ['O1', 'O2', 'O3', 'O4', 'O5'];
    for (const h of headlines) await publish(storyId, h);
    await until('all 5 acknowledged', () => receiver.acknowledged('/outage').length >= 5);

    const attempts = receiver.received.filter((r) => r.path === '/outage');
    expect(attempts.slice(0, 3).map((r) => r.answer)).toEqual(['fail', 'fail', 'hang']);
    // The first event was retried under its delivery id until it got through; nothing overtook it.
    expect(new Set(attempts.slice(0, 4).map((r) => r.deliveryId)).size).toBe(1);
    const acked = receiver.acknowledged('/outage');
    expect(acked.map((r) => r.body.event.entry!.headline)).toEqual(headlines);
    expect(new Set(acked.map((r) => r.deliveryId)).size).toBe(5);
    await until('settled', async () => (await asAdmin<Status>(STATUS, { id: hook.webhook.id })).data!.node.pendingDeliveries === 0);
    const status = (await asAdmin<Status>(STATUS, { id: hook.webhook.id })).data!.node;
    expect(status.failures).toBe(0);
    expect(status.paused).toBe(false);
    const first = status.deliveries.edges.at(-1)!.node;
    expect(first).toMatchObject({ delivered: true, attempts: 4 });
  });

  it('records failures, pauses a subscription that keeps failing, and delivers the backlog in order once resumed', async () => {
    receiver.route('/down', [], 'fail');
    const hook = await register('/down', { story: storyId, events: ['PUBLISHED'] });
    await publish(storyId, 'P1');
    await publish(storyId, 'P2');
    await until('paused', async () => (await asAdmin<Status>(STATUS, { id: hook.webhook.id })).data!.node.paused);
    const paused = (await asAdmin<Status>(STATUS, { id: hook.webhook.id })).data!.node;
    expect(paused).toMatchObject({ paused: true, failures: 4, pendingDeliveries: 2, lastDelivery: { kind: 'PUBLISHED', attempts: 4, lastStatus: 500, delivered: false } });
    expect(paused.lastDelivery!.error).toContain('HTTP 500');
    expect(receiver.received.filter((r) => r.path === '/down')).toHaveLength(4);
    await publish(storyId, 'P3'); // queued while paused

    receiver.route('/down', [], 'ok');
    const resumed = await asAdmin<{ updateWebhook: { webhook: { paused: boolean; failures: number } } }>(
      `mutation ($id: ID!) { updateWebhook(input: { id: $id, paused: false }) { webhook { paused failures } } }`,
      { id: hook.webhook.id },
    );
    expect(resumed.data!.updateWebhook.webhook).toEqual({ paused: false, failures: 0 });
    await until('backlog delivered', () => receiver.acknowledged('/down').length >= 3);
    expect(receiver.acknowledged('/down').map((r) => r.body.event.entry!.headline)).toEqual(['P1', 'P2', 'P3']);
    // Only the first in line was ever tried while failing: P2 waited behind P1.
    expect(new Set(receiver.received.filter((r) => r.path === '/down' && r.answer === 'fail').map((r) => r.deliveryId)).size).toBe(1);
  });

  it('pages through each webhook\'s deliveries, newest first, for many webhooks at once', async () => {
    type Page = { edges: { cursor: string; node: { deliveryId: string; eventSequence: number } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    const res = await asAdmin<{ webhooks: { edges: { node: { url: string; deliveries: Page } }[] } }>(
      `{ webhooks(first: 20) { edges { node { url deliveries(first: 2) { edges { cursor node { deliveryId eventSequence } } pageInfo { hasNextPage endCursor } } } } } }`,
    );
    const outage = res.data!.webhooks.edges.find((e) => e.node.url.endsWith('/outage'))!.node.deliveries;
    expect(outage.edges).toHaveLength(2);
    expect(outage.pageInfo.hasNextPage).toBe(true);
    const seqs = outage.edges.map((e) => e.node.eventSequence);
    expect(seqs[0]).toBeGreaterThan(seqs[1]!);
    const id = (await asAdmin<{ webhooks: { edges: { node: { id: string; url: string } }[] } }>(`{ webhooks(first: 20) { edges { node { id url } } } }`)).data!.webhooks.edges.find((e) => e.node.url.endsWith('/outage'))!.node.id;
    const next = await asAdmin<{ node: { deliveries: Page } }>(`query ($id: ID!, $after: String) { node(id: $id) { ... on Webhook { deliveries(first: 10, after: $after) { edges { cursor node { deliveryId eventSequence } } pageInfo { hasNextPage endCursor } } } } }`, {
      id,
      after: outage.pageInfo.endCursor,
    });
    const rest = next.data!.node.deliveries;
    // Five entries for the outage test, three more published into the story since.
    expect(rest.edges).toHaveLength(6);
    const restSeqs = rest.edges.map((e) => e.node.eventSequence);
    expect(restSeqs).toEqual([...restSeqs].sort((x, y) => y - x));
    expect(restSeqs[0]).toBeLessThan(seqs[1]!);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    // A cursor of another connection is refused, naming the argument.
    const wrong = await asAdmin(`{ webhooks(after: "${outage.pageInfo.endCursor}") { edges { node { id } } } }`);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('deletes delivered rows past their retention, never undelivered ones', async () => {
    const db = server.app.database.db;
    const count = async (where: string) => (await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from webhook_deliveries where ${where}`)))[0]!.n;
    const old = `delivered_at < now() - interval '30 days'`;
    await queryRows(db, sql`update webhook_deliveries set delivered_at = now() - interval '31 days' where id in (select id from webhook_deliveries where delivered_at is not null order by id limit 2)`);
    // A paused webhook's waiting rows stay, however old.
    receiver.route('/kept', [], 'fail');
    const kept = await register('/kept', { story: storyId, events: ['PUBLISHED'] });
    await asAdmin(`mutation ($id: ID!) { updateWebhook(input: { id: $id, paused: true }) { webhook { id } } }`, { id: kept.webhook.id });
    await publish(storyId, 'Waits');
    const waiting = `delivered_at is null and webhook_id = (select id from webhooks where url like '%/kept')`;
    await queryRows(db, sql.raw(`update webhook_deliveries set created_at = now() - interval '400 days' where ${waiting}`));
    expect(await count(waiting)).toBe(1);
    expect(await count(old)).toBe(2);
    const recent = await count('delivered_at is not null') - 2;
    expect(await server.app.webhooks!.prune()).toBe(2);
    expect(await count(old)).toBe(0);
    expect(await count('delivered_at is not null')).toBeGreaterThanOrEqual(recent);
    expect(await count(waiting)).toBe(1);
  });
});
