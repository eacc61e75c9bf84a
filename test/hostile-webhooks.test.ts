/**
 * The webhook cases of issues #22 and #27, against the real server, a real
 * HTTP receiver and a real DNS server on loopback (test/helpers/dns-server.ts,
 * through WEBHOOK_DNS_SERVERS): every URL that reaches this machine, its
 * network or a metadata service is refused at registration, also when
 * written in odd numeric forms or behind a name; a name that turns into
 * 127.0.0.1 after registration (DNS rebinding), and a URL stored before the
 * rules, get no request through; delivery errors are categories without
 * addresses or ports; one hanging receiver holds back only itself, and a
 * slow acknowledgement counts as a failure; deliveries verify with the
 * `standardwebhooks` package, also across a secret's rotation.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { verifyDelivery } from '../src/webhooks/signature.js';
import { type DnsServer, startDnsServer } from './helpers/dns-server.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { type Receiver, standardVerifies, startReceiver, until } from './helpers/webhook-receiver.js';

const PUBLIC_ADDRESS = '93.184.215.14';

interface Delivery {
  deliveryId: string;
  kind: string;
  attempts: number;
  delivered: boolean;
  lastStatus: number | null;
  errorKind: string | null;
  error: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}
interface Status {
  node: { url: string; paused: boolean; failures: number; pendingDeliveries: number; lastDelivery: Delivery | null; deliveries: { edges: { node: Delivery }[] } };
}
const DELIVERY_FIELDS = 'deliveryId kind attempts delivered lastStatus errorKind error deliveredAt nextAttemptAt';
const STATUS = `query ($id: ID!) { node(id: $id) { ... on Webhook { url paused failures pendingDeliveries lastDelivery { ${DELIVERY_FIELDS} } deliveries(first: 100) { edges { node { ${DELIVERY_FIELDS} } } } } } }`;
const CREATE = `mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url } } }`;
const ROTATE = `mutation ($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret webhook { id previousSecretExpiresAt } } }`;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function client(server: TestServer, admin: string) {
  const asAdmin = <T>(query: string, variables?: Record<string, unknown>) => server.gql<T>(query, variables, { authorization: `Bearer ${admin}` });
  return {
    asAdmin,
    async createStory(slug: string) {
      const res = await server.edit<{ createStory: { story: { id: string } } }>(`mutation ($slug: String!) { createStory(input: { slug: $slug, title: "T", language: "en", status: LIVE }) { story { id } } }`, { slug });
      expect(res.errors).toBeUndefined();
      return res.data!.createStory.story.id;
    },
    async publish(story: string, headline: string) {
      const res = await server.edit(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story, headline, body: headline, publish: true } });
      expect(res.errors).toBeUndefined();
    },
    async register(url: string, story: string) {
      const res = await asAdmin<{ createWebhook: { secret: string; webhook: { id: string; url: string } } }>(CREATE, { input: { url, story, events: ['PUBLISHED'] } });
      expect(res.errors, url).toBeUndefined();
      return res.data!.createWebhook;
    },
    async status(id: string) {
      const res = await asAdmin<Status>(STATUS, { id });
      expect(res.errors).toBeUndefined();
      return res.data!.node;
    },
  };
}

let receiver: Receiver;
/** A receiver on loopback that is NOT listed in WEBHOOK_ALLOWED_TARGETS: nothing may ever reach it. */
let forbidden: Receiver;
let dns: DnsServer;

beforeAll(async () => {
  receiver = await startReceiver();
  forbidden = await startReceiver();
  dns = await startDnsServer();
});
afterAll(async () => {
  await receiver?.close();
  await forbidden?.close();
  await dns?.close();
});

describe('webhook targets, errors and signatures', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let story: string;
  let closed: number;
  const receiverPort = () => new URL(receiver.url).port;
  const forbiddenPort = () => new URL(forbidden.url).port;

  beforeAll(async () => {
    closed = await closedPort();
    dns.records.set('partner.diretta.test', [PUBLIC_ADDRESS]);
    dns.records.set('private.diretta.test', ['10.0.0.1']);
    dns.records.set('mixed.diretta.test', [PUBLIC_ADDRESS, '127.0.0.1']);
    dns.records.set('mapped.diretta.test', ['::ffff:127.0.0.1']);
    dns.records.set('ula.diretta.test', ['fd00:ec2::254']);
    dns.records.set('hooks.diretta.test', ['127.0.0.1']);
    server = await startTestServer({
      SEED_DEMO: 'false',
      WEBHOOK_TIMEOUT_MS: '1000',
      // Never slow here (the slow case has its own server below): a loaded machine must not turn a success into a failure.
      WEBHOOK_SLOW_MS: '1000',
      WEBHOOK_BACKOFF_BASE_MS: '20',
      WEBHOOK_BACKOFF_MAX_MS: '100',
      WEBHOOK_POLL_INTERVAL_MS: '20',
      WEBHOOK_PAUSE_AFTER_FAILURES: '1000',
      // The receiver, a closed port (for REFUSED) and a name listed as on-premises; `forbidden` is not listed.
      WEBHOOK_ALLOWED_TARGETS: `${receiver.target},127.0.0.1:${closed},hooks.diretta.test:${receiverPort()}`,
      WEBHOOK_DNS_SERVERS: dns.server,
    });
    api = client(server, await server.token('admin', 'the-admin'));
    story = await api.createStory('hostile-webhooks');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses at registration every URL that reaches this machine, its network or a metadata service, however written, naming input.url', async () => {
    const refused = [
      'http://127.0.0.1/',
      'http://localhost:8080/hook',
      'http://LOCALHOST./hook',
      'http://api.localhost/hook',
      'http://[::1]/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://0.0.0.0/',
      'http://0/',
      'http://169.254.169.254/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://metadata/',
      'http://instance-data/latest/',
      'http://10.0.0.1/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[::127.0.0.1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://[2002:7f00:1::]/',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]/',
      'http://[::]/',
      'http://224.0.0.1/',
      'http://[ff02::1]/',
      'http://255.255.255.255/',
      'http://printer.local/',
      'http://db.corp.internal/',
      'http://intranet/',
      // Names: resolved through the test's DNS server, every address checked.
      'http://private.diretta.test/',
      'http://mixed.diretta.test/',
      'http://mapped.diretta.test/',
      'http://ula.diretta.test/',
      'http://nowhere.diretta.test/',
      // Loopback is allowed only at the host:port pairs listed, not at another port or under another name.
      `http://127.0.0.1:${forbiddenPort()}/`,
      `http://localhost:${receiverPort()}/`,
    ];
    for (const url of refused) {
      const res = await api.asAdmin(CREATE, { input: { url, story, events: ['PUBLISHED'] } });
      expect(res.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
      expect(res.errors![0]!.message, url).toMatch(/^input\.url: /);
      // The refusal says what kind of address, never which one a name resolved to.
      expect(res.errors![0]!.message, url).not.toMatch(/10\.0\.0\.1|fd00:ec2|93\.184/);
    }
    // Changing a webhook's URL is checked the same way, and leaves the URL as it was.
    const hook = await api.register(`${receiver.url}/kept`, story);
    for (const url of ['http://2130706433/', 'http://private.diretta.test/']) {
      const res = await api.asAdmin(`mutation ($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { url } } }`, { input: { id: hook.webhook.id, url } });
      expect(res.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    }
    expect((await api.status(hook.webhook.id)).url).toBe(`${receiver.url}/kept`);
    // Nothing was stored for the refused ones.
    const [{ n }] = (await queryRows<{ n: number }>(server.app.database.db, sql`select count(*)::int as n from webhooks`)) as [{ n: number }];
    expect(n).toBe(1);
    // Public names and the listed targets are accepted; URLs are stored as WHATWG URL writes them.
    expect((await api.register('HTTP://Partner.Diretta.TEST:80/hook?a=1', story)).webhook.url).toBe('http://partner.diretta.test/hook?a=1');
    expect((await api.register(`http://hooks.diretta.test:${receiverPort()}/named`, story)).webhook.url).toBe(`http://hooks.diretta.test:${receiverPort()}/named`);
    for (const { node } of (await api.asAdmin<{ webhooks: { edges: { node: { id: string } }[] } }>(`{ webhooks(first: 50) { edges { node { id } } } }`)).data!.webhooks.edges) {
      await api.asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: node.id });
    }
  });

  it('sends nothing to a name that turns into a loopback address after registration (DNS rebinding), nor to a URL stored before the rules', async () => {
    dns.records.set('rebind.diretta.test', [PUBLIC_ADDRESS]);
    const rebinding = await api.register(`http://rebind.diretta.test:${forbiddenPort()}/rebind`, story);
    dns.records.set('rebind.diretta.test', ['127.0.0.1']);
    // A webhook stored before the rules existed, pointing at loopback (written straight into the table).
    const legacy = await api.register(`${receiver.url}/legacy`, story);
    await queryRows(server.app.database.db, sql`update webhooks set url = ${`http://127.0.0.1:${forbiddenPort()}/legacy`} where url = ${`${receiver.url}/legacy`}`);
    const legacyName = await api.register(`${receiver.url}/legacy-name`, story);
    await queryRows(server.app.database.db, sql`update webhooks set url = ${`http://localhost:${forbiddenPort()}/legacy-name`} where url = ${`${receiver.url}/legacy-name`}`);
    // The listed name reaches loopback: it is the on-premises exception.
    const named = await api.register(`http://hooks.diretta.test:${receiverPort()}/named`, story);
    receiver.secret('/named', named.secret);

    await api.publish(story, 'Rebound');
    await until('each blocked hook tried three times', async () => {
      const all = await Promise.all([rebinding, legacy, legacyName].map((h) => api.status(h.webhook.id)));
      return all.every((s) => (s.lastDelivery?.attempts ?? 0) >= 3);
    });
    await until('the listed name delivered', () => receiver.acknowledged('/named').length === 1);
    expect(forbidden.received).toEqual([]);
    for (const hook of [rebinding, legacy, legacyName]) {
      const status = await api.status(hook.webhook.id);
      expect(status.lastDelivery).toMatchObject({ delivered: false, errorKind: 'BLOCKED', lastStatus: null });
      expect(status.lastDelivery!.error).not.toMatch(/\d/);
    }
    expect(receiver.acknowledged('/named')[0]!.standardValid).toBe(true);
    for (const hook of [rebinding, legacy, legacyName, named]) await api.asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: hook.webhook.id });
  });

  it('reports why a delivery failed as a category, with no address or port', async () => {
    dns.records.set('gone.diretta.test', [PUBLIC_ADDRESS]);
    receiver.route('/timeout', [], 'hang');
    receiver.route('/status', [], 'fail');
    const hooks = {
      REFUSED: await api.register(`http://127.0.0.1:${closed}/refused`, story),
      TLS: await api.register(`https://127.0.0.1:${receiverPort()}/tls`, story),
      DNS: await api.register('http://gone.diretta.test/dns', story),
      TIMEOUT: await api.register(`${receiver.url}/timeout`, story),
      HTTP_STATUS: await api.register(`${receiver.url}/status`, story),
    };
    dns.records.delete('gone.diretta.test');
    await api.publish(story, 'Fails everywhere');
    await until('every hook tried twice', async () => (await Promise.all(Object.values(hooks).map((h) => api.status(h.webhook.id)))).every((s) => (s.lastDelivery?.attempts ?? 0) >= 2), 30_000);
    for (const [kind, hook] of Object.entries(hooks)) {
      const status = await api.status(hook.webhook.id);
      expect(status.lastDelivery, kind).toMatchObject({ delivered: false, errorKind: kind, lastStatus: kind === 'HTTP_STATUS' ? 500 : null });
      const errors = [status.lastDelivery!.error!, ...status.deliveries.edges.map((e) => e.node.error ?? '')];
      const text = JSON.stringify(errors);
      expect(text, kind).not.toContain('127.0.0.1');
      expect(text, kind).not.toContain(String(closed));
      expect(text, kind).not.toContain(receiverPort());
      expect(text, kind).not.toMatch(/ECONN|EPROTO|ENOTFOUND|ssl|wrong version/i);
      if (kind === 'HTTP_STATUS') expect(status.lastDelivery!.error).toContain('HTTP 500');
      else expect(status.lastDelivery!.error, kind).not.toMatch(/\d/);
      await api.asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: hook.webhook.id });
    }
  });

  it('signs each delivery as Standard Webhooks do: the standardwebhooks package verifies it, retries keep webhook-id', async () => {
    receiver.route('/standard', ['fail'], 'ok');
    const hook = await api.register(`${receiver.url}/standard`, story);
    receiver.secret('/standard', hook.secret);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(hook.secret.slice(6), 'base64')).toHaveLength(32);
    await api.publish(story, 'Standard');
    await until('delivered', () => receiver.acknowledged('/standard').length === 1);
    const attempts = receiver.received.filter((r) => r.path === '/standard');
    expect(attempts.map((r) => r.answer)).toEqual(['fail', 'ok']);
    for (const r of attempts) {
      expect(r.standardValid).toBe(true);
      expect(r.signatureValid).toBe(true);
      expect(r.headers['webhook-id']).toBe(r.deliveryId);
      expect(r.body.deliveryId).toBe(r.headers['webhook-id']);
      expect(String(r.headers['webhook-timestamp'])).toMatch(/^\d{10}$/);
      expect(String(r.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      // What the package returns is the payload.
      expect(new Webhook(hook.secret).verify(r.text, r.headers as Record<string, string>)).toEqual(r.body);
    }
    expect(attempts[0]!.headers['webhook-id']).toBe(attempts[1]!.headers['webhook-id']);
    // A changed body, another secret or a stale timestamp are refused by the package.
    const [first] = attempts;
    expect(standardVerifies(hook.secret, `${first!.text} `, first!.headers)).toBe(false);
    expect(standardVerifies(`whsec_${randomBytes(32).toString('base64')}`, first!.text, first!.headers)).toBe(false);
    expect(standardVerifies(hook.secret, first!.text, { ...first!.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) })).toBe(false);
    await api.asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: hook.webhook.id });
  });

  it('rotates a secret: both sign during the grace period, the old one stops when it ends or at once with graceSeconds 0', async () => {
    const hook = await api.register(`${receiver.url}/rotate`, story);
    const original = hook.secret;
    type Rotated = { rotateWebhookSecret: { secret: string; webhook: { previousSecretExpiresAt: string | null } } };
    const rotate = (input: Record<string, unknown>) => api.asAdmin<Rotated>(ROTATE, { input: { id: hook.webhook.id, ...input } });
    const lastRequest = () => receiver.received.filter((r) => r.path === '/rotate').at(-1)!;
    const deliver = async (headline: string) => {
      const before = receiver.received.filter((r) => r.path === '/rotate').length;
      await api.publish(story, headline);
      await until(`${headline} delivered`, () => receiver.received.filter((r) => r.path === '/rotate').length === before + 1);
      return lastRequest();
    };

    // Retried with its idempotency key, a rotation happens once: the original secret is the previous one.
    const rotated = await rotate({ idempotencyKey: 'rotate-1' });
    expect(rotated.errors).toBeUndefined();
    const again = await rotate({ idempotencyKey: 'rotate-1' });
    expect(again.data!.rotateWebhookSecret.secret).toBe(rotated.data!.rotateWebhookSecret.secret);
    const second = rotated.data!.rotateWebhookSecret.secret;
    expect(second).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(second).not.toBe(original);
    // The default grace period: WEBHOOK_SECRET_GRACE_SECONDS, 24 hours.
    const expires = Date.parse(rotated.data!.rotateWebhookSecret.webhook.previousSecretExpiresAt!);
    expect(Math.abs(expires - Date.now() - 86_400_000)).toBeLessThan(600_000);

    let r = await deliver('During the grace period');
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(standardVerifies(second, r.text, r.headers)).toBe(true);
    expect(standardVerifies(original, r.text, r.headers)).toBe(true);
    expect(verifyDelivery(second, { timestamp: String(r.headers['x-diretta-timestamp']), signature: String(r.headers['x-diretta-signature']) }, r.text)).toBe(true);

    // Once the grace period is over, the previous secret no longer signs.
    await queryRows(server.app.database.db, sql`update webhooks set previous_secret_expires_at = now() - interval '1 second' where url = ${`${receiver.url}/rotate`}`);
    r = await deliver('After the grace period');
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(standardVerifies(second, r.text, r.headers)).toBe(true);
    expect(standardVerifies(original, r.text, r.headers)).toBe(false);

    // A leaked secret: graceSeconds 0 drops it at once.
    const revoked = await rotate({ graceSeconds: 0 });
    const third = revoked.data!.rotateWebhookSecret.secret;
    expect(revoked.data!.rotateWebhookSecret.webhook.previousSecretExpiresAt).toBeNull();
    r = await deliver('After a revocation');
    expect(standardVerifies(third, r.text, r.headers)).toBe(true);
    expect(standardVerifies(second, r.text, r.headers)).toBe(false);

    // Refusals name their field; only admins rotate.
    expect((await rotate({ graceSeconds: -1 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.graceSeconds' });
    expect((await rotate({ graceSeconds: 2_592_001 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.graceSeconds' });
    expect((await api.asAdmin(ROTATE, { input: { id: 'V2ViaG9vazo5OTk5' } })).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.id' });
    expect((await server.edit(ROTATE, { input: { id: hook.webhook.id } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(ROTATE, { input: { id: hook.webhook.id } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // None of those rotated anything.
    r = await deliver('Still the third secret');
    expect(standardVerifies(third, r.text, r.headers)).toBe(true);
    await api.asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: hook.webhook.id });
  });

  it('keeps a secret issued before Standard Webhooks working: a raw key for standardwebhooks, and through a rotation', async () => {
    // Secrets were base64url: with a - or _ in them, standardwebhooks cannot read them as base64.
    let legacy: string;
    do legacy = `whsec_${randomBytes(32).toString('base64url')}`;
    while (!/[-_]/.test(legacy.slice('whsec_'.length)));
    expect(() => new Webhook(legacy)).toThrow();
    const hook = await api.register(`${receiver.url}/legacy-secret`, story);
    await queryRows(server.app.database.db, sql`update webhooks set secret = ${legacy} where url = ${`${receiver.url}/legacy-secret`}`);
    receiver.secret('/legacy-secret', legacy, 'raw');
    await api.publish(story, 'Legacy secret');
    await until('delivered', () => receiver.acknowledged('/legacy-secret').length === 1);
    const [r] = receiver.acknowledged('/legacy-secret');
    expect(r!.standardValid).toBe(true);
    expect(r!.signatureValid).toBe(true);

    const rotated = await api.asAdmin<{ rotateWebhookSecret: { secret: string } }>(ROTATE, { input: { id: hook.webhook.id } });
    const fresh = rotated.data!.rotateWebhookSecret.secret;
    await api.publish(story, 'Legacy secret, rotating');
    await until('delivered', () => receiver.acknowledged('/legacy-secret').length === 2);
    const during = receiver.acknowledged('/legacy-secret')[1]!;
    expect(standardVerifies(fresh, during.text, during.headers)).toBe(true);
    expect(standardVerifies(legacy, during.text, during.headers, { raw: true })).toBe(true);
    await api.asAdmin(`mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { deletedId } }`, { id: hook.webhook.id });
  });
});

describe('a hanging or slow receiver', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const SLOW_MS = 1_000;

  beforeAll(async () => {
    server = await startTestServer({
      SEED_DEMO: 'false',
      // Far longer than the test: the hanging attempt is still open when the healthy receiver has everything.
      WEBHOOK_TIMEOUT_MS: '120000',
      WEBHOOK_SLOW_MS: String(SLOW_MS),
      // After a slow answer the subscription waits 3 to 6 s: long enough to be seen in its state.
      WEBHOOK_BACKOFF_BASE_MS: '6000',
      WEBHOOK_BACKOFF_MAX_MS: '6000',
      WEBHOOK_POLL_INTERVAL_MS: '20',
      WEBHOOK_ALLOWED_TARGETS: receiver.target,
    });
    api = client(server, await server.token('admin', 'the-admin'));
  });
  afterAll(async () => {
    receiver?.release('/hanging');
    await server?.stop();
  });

  it('delivers everything to a healthy receiver while another hangs, then counts the late answer as a failure and backs off', async () => {
    const story = await api.createStory('hanging-beside-healthy');
    receiver.route('/hanging', ['hang'], 'ok');
    receiver.route('/healthy', [], 'ok');
    const hanging = await api.register(`${receiver.url}/hanging`, story);
    const healthy = await api.register(`${receiver.url}/healthy`, story);
    receiver.secret('/hanging', hanging.secret);
    receiver.secret('/healthy', healthy.secret);
    const headlines = ['H1', 'H2', 'H3', 'H4', 'H5'];
    for (const h of headlines) await api.publish(story, h);

    await until('the healthy receiver has all five', () => receiver.acknowledged('/healthy').length === 5, 60_000);
    await until('the hanging receiver has its first', () => receiver.received.some((r) => r.path === '/hanging'));
    // Meanwhile the hanging receiver got its first delivery only, and has not answered it.
    const held = receiver.received.filter((r) => r.path === '/hanging');
    expect(held.map((r) => [r.body.event.entry!.headline, r.answer])).toEqual([['H1', 'hang']]);
    expect(receiver.acknowledged('/healthy').map((r) => r.body.event.entry!.headline)).toEqual(headlines);
    expect(receiver.received.filter((r) => r.path === '/healthy')).toHaveLength(5);
    // Once the healthy one's last attempt is recorded, the hanging attempt is all that is in flight.
    await until('the healthy deliveries recorded', async () => (await api.status(healthy.webhook.id)).pendingDeliveries === 0);
    expect(server.app.webhooks!.attemptsInFlight).toBe(1);

    // It answers, late: delivered, but counted as a failure; the next delivery waits out a backoff.
    await until('the hanging request is older than WEBHOOK_SLOW_MS', () => Date.now() - held[0]!.at > SLOW_MS + 200);
    const releasedAt = Date.now();
    expect(receiver.release('/hanging')).toBe(1);
    const settled = async () => {
      const s = await api.status(hanging.webhook.id);
      return s.deliveries.edges.some((e) => e.node.errorKind === 'SLOW') ? s : null;
    };
    await until('the late answer recorded', async () => (await settled()) !== null);
    // Read again: the webhook and its deliveries are two statements, and the first of them may have run before the record.
    const status = await settled();
    const slow = status!.deliveries.edges.find((e) => e.node.errorKind === 'SLOW')!.node;
    expect(slow).toMatchObject({ kind: 'PUBLISHED', delivered: true, attempts: 1, lastStatus: 204 });
    expect(slow.error).toContain('WEBHOOK_SLOW_MS');
    expect(status!.failures).toBe(1);
    expect(status!.paused).toBe(false);

    await until('the rest delivered to the late receiver, in order', () => receiver.acknowledged('/hanging').length === 5, 60_000);
    expect(receiver.acknowledged('/hanging').map((r) => r.body.event.entry!.headline)).toEqual(headlines);
    // The backoff after a slow answer (3 to 6 s with these settings) came before the next delivery: a lower bound, which load only lengthens.
    expect(receiver.acknowledged('/hanging')[1]!.at - releasedAt).toBeGreaterThanOrEqual(3_000);
    expect(receiver.received.filter((r) => r.path === '/hanging')).toHaveLength(5);
    expect(receiver.received.filter((r) => r.path === '/hanging').every((r) => r.standardValid)).toBe(true);
    // Answers in time since: the count of failures starts again.
    await until('settled', async () => (await api.status(hanging.webhook.id)).pendingDeliveries === 0);
    expect((await api.status(hanging.webhook.id)).failures).toBe(0);
  });
});
