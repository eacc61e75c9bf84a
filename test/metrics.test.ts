/**
 * /metrics: where it is served and to whom, what it says after real
 * requests, subscriptions and events, that its labels stay bounded, and
 * that `promtool check metrics` (Debian's prometheus package) accepts it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Exposition, parseExposition } from './helpers/exposition.js';
import { prometheusUnavailable, promtool } from './helpers/prometheus.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { sseSubscribe } from './helpers/sse.js';
import { type Receiver, startReceiver } from './helpers/webhook-receiver.js';
import { collect, wsClient } from './helpers/ws.js';
import { databaseKind } from './helpers/database.js';
import { leadingOperationName } from '../src/plugins/request-metrics.js';

const TOKEN = 'metrics-test-token-abcdefghijkl';
const follow = 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence } }';
const publish = 'mutation Publish($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${url}/metrics`, { headers });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

async function createStory(server: TestServer, slug: string): Promise<string> {
  const res = await server.edit<{ createStory: { story: { id: string } } }>(`mutation { createStory(input: { slug: "${slug}", title: "T", language: "en", status: LIVE }) { story { id } } }`);
  expect(res.errors).toBeUndefined();
  return res.data!.createStory.story.id;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('where the metrics are served', () => {
  it('collects nothing and serves nothing without METRICS_PORT or METRICS_TOKEN', async () => {
    const server = await startTestServer({ SEED_DEMO: 'false' });
    try {
      expect(server.app.metrics).toBeNull();
      expect(server.app.metricsUrl).toBeNull();
      expect((await scrape(server.url)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it('serves them on a listener of its own (127.0.0.1 unless told otherwise), and on the main port only to the bearer of METRICS_TOKEN', async () => {
    const server = await startTestServer({ SEED_DEMO: 'false', METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    try {
      expect(new URL(server.app.metricsUrl!).hostname).toBe('127.0.0.1');
      const { status, type, text } = await scrape(server.app.metricsUrl!);
      expect(status).toBe(200);
      expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(text).toContain('# TYPE diretta_graphql_request_duration_seconds histogram');
      expect((await fetch(`${server.app.metricsUrl}/graphql`)).status).toBe(404);
      expect((await fetch(`${server.app.metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);

      const refused = await scrape(server.url);
      expect(refused.status).toBe(401);
      expect(refused.text).not.toContain('diretta_');
      expect((await scrape(server.url, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await scrape(server.url, { authorization: TOKEN })).status).toBe(401);
      const allowed = await scrape(server.url, { authorization: `Bearer ${TOKEN}` });
      expect(allowed.status).toBe(200);
      expect(allowed.text).toContain('diretta_database_up 1');
    } finally {
      await server.stop();
    }
  });

  it('refuses a METRICS_TOKEN too short to be a secret', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT/);
    expect(loadConfig({}).metrics).toMatchObject({ port: null, host: '127.0.0.1', token: null, exposed: false, maxOperationNames: 50 });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b,x=1' }).tracing).toMatchObject({
      endpoint: 'http://collector:4318',
      headers: { 'api-key': 'a b', x: '1' },
      serviceName: 'diretta',
      sampleRatio: 1,
    });
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});

describe('requests', () => {
  it('are counted by bounded operation name, type and outcome, and refusals by limit', async () => {
    const server = await startTestServer({ SEED_DEMO: 'false', METRICS_PORT: '0', METRICS_MAX_OPERATIONS: '2', MAX_ALIASES: '2', MAX_BODY_BYTES: '2048' });
    try {
      for (const name of ['First', 'Second', 'Third', 'Fourth']) expect((await server.gql(`query ${name} { stories(first: 1) { pageInfo { hasNextPage } } }`)).errors).toBeUndefined();
      expect((await server.gql('query Second { stories(first: 2) { pageInfo { hasNextPage } } }')).errors).toBeUndefined();
      await server.gql('query NotParsed { stories(first: 1) { ');
      await server.gql('query Unknown { stories { nope } }');
      await server.gql('{ a: stories { pageInfo { hasNextPage } } b: stories { pageInfo { hasNextPage } } c: stories { pageInfo { hasNextPage } } }');
      const tooLarge = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ stories { pageInfo { hasNextPage } } } #${'x'.repeat(3000)}` }),
      });
      expect(tooLarge.status).toBe(413);
      const metrics = parseExposition((await scrape(server.app.metricsUrl!)).text);
      const requests = 'diretta_graphql_request_duration_seconds_count';
      // METRICS_MAX_OPERATIONS=2: the first two names executed have series of their own, every later one is "other".
      const names = new Set(metrics.samples.filter((s) => s.name === requests).map((s) => s.labels.operation));
      expect([...names].sort()).toEqual(['First', 'Second', 'anonymous', 'other']);
      expect(metrics.value(requests, { operation: 'First', type: 'query', outcome: 'ok' })).toBe(1);
      expect(metrics.value(requests, { operation: 'Second', type: 'query', outcome: 'ok' })).toBe(2);
      expect(metrics.value(requests, { operation: 'other', type: 'query', outcome: 'ok' })).toBe(2);
      // Never executed (not parsed, not valid): "other", of unknown type.
      expect(metrics.value(requests, { operation: 'other', type: 'unknown', outcome: 'client_error' })).toBe(2);
      expect(metrics.value(requests, { operation: 'anonymous', type: 'unknown', outcome: 'refused' })).toBe(1);
      expect(metrics.value(requests)).toBe(8);
      expect(metrics.value('diretta_requests_refused_total', { limit: 'aliases' })).toBe(1);
      expect(metrics.value('diretta_requests_refused_total', { limit: 'bodyBytes' })).toBe(1);
      expect(metrics.value('diretta_requests_refused_total')).toBe(2);
      // Durations: every request is in a bucket up to +Inf, and took some time.
      expect(metrics.value('diretta_graphql_request_duration_seconds_bucket', { operation: 'Second', le: '+Inf' })).toBe(2);
      expect(metrics.value('diretta_graphql_request_duration_seconds_sum', { operation: 'First' })).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('times the answers the response cache gives, by the name sent, apart from the execution that stored them', async () => {
    const server = await startTestServer({ SEED_DEMO: 'false', METRICS_PORT: '0', RESPONSE_CACHE_TTL_MS: '60000' });
    try {
      const query = 'query Cached { stories(first: 1) { pageInfo { hasNextPage } } }';
      // Three at once: one computes the answer, the others get it from the cache (having waited for it, or not).
      for (const response of await Promise.all([0, 1, 2].map(() => server.gql(query)))) expect(response.errors).toBeUndefined();
      for (let i = 0; i < 2; i++) expect((await server.gql(query)).errors).toBeUndefined();
      // An editor's read is never answered from the cache.
      expect((await server.edit(query)).errors).toBeUndefined();
      const metrics = parseExposition((await scrape(server.app.metricsUrl!)).text);
      const requests = 'diretta_graphql_request_duration_seconds_count';
      expect(metrics.value(requests, { operation: 'Cached', type: 'query', outcome: 'cached' })).toBe(4);
      expect(metrics.value(requests, { operation: 'Cached', type: 'query', outcome: 'ok' })).toBe(2);
      expect(metrics.value(requests)).toBe(6);
      expect(metrics.value('diretta_response_cache_hits_total')).toBe(4);
      expect(metrics.value('diretta_graphql_request_duration_seconds_bucket', { outcome: 'cached', le: '+Inf' })).toBe(4);
    } finally {
      await server.stop();
    }
  });
});

describe('what the metrics say', () => {
  let server: TestServer;
  let receiver: Receiver;
  let story: string;
  const expo = async (): Promise<Exposition> => {
    const { status, text } = await scrape(server.app.metricsUrl!);
    expect(status).toBe(200);
    return parseExposition(text);
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      SEED_DEMO: 'false',
      METRICS_PORT: '0',
      MAX_CONNECTIONS_PER_ADDRESS: '3',
      // Two story pages fit, a third pushes the oldest out.
      RESPONSE_CACHE_MAX_BYTES: '150',
      WEBHOOK_ALLOWED_TARGETS: receiver.target,
      WEBHOOK_BACKOFF_BASE_MS: '60000',
      WEBHOOK_POLL_INTERVAL_MS: '20',
      WEBHOOK_TIMEOUT_MS: '1000',
    });
    story = await createStory(server, 'metrics-story');
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('is accepted by promtool check metrics', async (context) => {
    const reason = prometheusUnavailable();
    if (reason) {
      console.log(`[metrics] promtool check skipped: ${reason}`);
      context.skip();
    }
    // Some of everything first: errors, refusals, a subscription and an event.
    await server.gql('query Broken { stories { nope } }');
    await server.gql('{ a: stories { pageInfo { hasNextPage } } b: stories { pageInfo { hasNextPage } } }');
    const client = wsClient(server.url);
    const stream = collect(client, follow, { story });
    await until(() => server.app.live.stats().subscribers === 1, 'the subscriber');
    await server.edit(publish, { input: { story, headline: 'Promtool', body: 'Text.' } });
    await stream.waitFor(1);
    await client.dispose();
    const { text } = await scrape(server.app.metricsUrl!);
    const checked = await promtool(['check', 'metrics'], text);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });

  it('never labels a series with a story, an id or an address', async () => {
    const { text } = await scrape(server.app.metricsUrl!);
    const labelValues = parseExposition(text).samples.flatMap((s) => Object.values(s.labels));
    for (const secret of ['metrics-story', story, Buffer.from(story, 'base64').toString(), '127.0.0.1', '::1']) expect(labelValues).not.toContain(secret);
    expect(text).not.toContain('metrics-story');
  });

  it('counts the response cache: hits, misses, stores, evictions, bytes held', async () => {
    const page = (slug: string) => `query Page { story(slug: "${slug}") { title summary entries(first: 5) { edges { node { headline body } } } } }`;
    for (const slug of ['cache-a', 'cache-b', 'cache-c']) await createStory(server, slug);
    const before = await expo();
    for (const slug of ['cache-a', 'cache-a', 'cache-b', 'cache-b', 'cache-c']) expect((await server.gql(page(slug))).errors).toBeUndefined();
    const after = await expo();
    const delta = (name: string) => after.value(name) - before.value(name);
    expect(delta('diretta_response_cache_misses_total')).toBe(3);
    expect(delta('diretta_response_cache_hits_total')).toBe(2);
    expect(delta('diretta_response_cache_stores_total')).toBe(3);
    expect(delta('diretta_response_cache_evictions_total')).toBeGreaterThanOrEqual(1);
    const stats = server.app.responseCache.stats();
    expect(after.value('diretta_response_cache_bytes')).toBe(stats.bytes);
    expect(after.value('diretta_response_cache_entries')).toBe(stats.entries);
    expect(stats.bytes).toBeLessThanOrEqual(150);
  });

  it('counts subscribers by transport and role, events dispatched and delivered, and why subscriptions end', async () => {
    const before = await expo();
    const editor = await server.token('editor');
    const readerWs = wsClient(server.url);
    const editorWs = wsClient(server.url, { authorization: `Bearer ${editor}` });
    const streams = [collect(readerWs, follow, { story }), collect(editorWs, follow, { story })];
    const sse = sseSubscribe(server.url, follow, { story });
    await sse.started;
    await until(() => server.app.live.stats().subscribers === 3, 'three subscribers');
    let metrics = await expo();
    expect(metrics.value('diretta_subscribers', { transport: 'graphql-ws', role: 'reader' })).toBe(1);
    expect(metrics.value('diretta_subscribers', { transport: 'graphql-ws', role: 'editor' })).toBe(1);
    expect(metrics.value('diretta_subscribers', { transport: 'sse', role: 'reader' })).toBe(1);
    expect(metrics.value('diretta_websocket_connections')).toBe(2);

    for (let i = 0; i < 3; i++) expect((await server.edit(publish, { input: { story, headline: `Live ${i}`, body: 'Text.' } })).errors).toBeUndefined();
    await Promise.all([...streams.map((s) => s.waitFor(3)), sse.waitFor(3)]);
    await sleep(100);
    metrics = await expo();
    const delta = (name: string, labels?: Record<string, string>) => metrics.value(name, labels) - before.value(name, labels);
    expect(delta('diretta_events_dispatched_total')).toBe(3);
    expect(delta('diretta_events_appended_total')).toBe(3);
    expect(delta('diretta_events_delivered_total', { transport: 'graphql-ws' })).toBe(6);
    expect(delta('diretta_events_delivered_total', { transport: 'sse' })).toBe(3);
    expect(delta('diretta_delivery_commit_to_dispatch_seconds_count')).toBe(3);
    expect(delta('diretta_delivery_dispatch_to_written_seconds_count')).toBe(3);
    expect(metrics.value('diretta_delivery_dispatch_to_written_seconds_bucket', { le: '+Inf' })).toBe(metrics.value('diretta_delivery_dispatch_to_written_seconds_count'));

    // The reader unsubscribes (its socket stays), the editor's socket goes, the SSE reader goes.
    streams[0]!.stop();
    await editorWs.dispose();
    sse.close();
    await until(() => server.app.live.stats().subscribers === 0, 'everyone gone');
    await sleep(100);
    metrics = await expo();
    expect(metrics.value('diretta_subscribers')).toBe(0);
    expect(delta('diretta_subscriptions_ended_total', { transport: 'graphql-ws', reason: 'complete' })).toBe(1);
    expect(delta('diretta_subscriptions_ended_total', { transport: 'graphql-ws', reason: 'client_gone' })).toBe(1);
    expect(delta('diretta_subscriptions_ended_total', { transport: 'sse', reason: 'client_gone' })).toBe(1);
    await readerWs.dispose();
  });

  it('counts refused WebSockets and SSE streams per address', async () => {
    await until(() => server.app.websockets.stats().connections === 0, 'earlier sockets closed');
    const before = await expo();
    const clients = [wsClient(server.url), wsClient(server.url), wsClient(server.url)];
    const streams = clients.map((c) => collect(c, follow, { story }));
    await until(() => server.app.live.stats().subscribers === 3, 'three sockets');
    const fourth = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const refusedWith = await new Promise<number>((resolve) => fourth.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(refusedWith).toBe(429);
    fourth.on('error', () => {});
    fourth.terminate();
    const sse = sseSubscribe(server.url, follow, { story });
    const sse2 = [sseSubscribe(server.url, follow, { story }), sseSubscribe(server.url, follow, { story }), sseSubscribe(server.url, follow, { story })];
    await Promise.all([sse.started, ...sse2.map((s) => s.started)]);
    await sleep(100);
    const metrics = await expo();
    expect(metrics.value('diretta_requests_refused_total', { limit: 'websocketsPerAddress' }) - before.value('diretta_requests_refused_total', { limit: 'websocketsPerAddress' })).toBe(1);
    expect(metrics.value('diretta_requests_refused_total', { limit: 'streamsPerAddress' }) - before.value('diretta_requests_refused_total', { limit: 'streamsPerAddress' })).toBe(1);
    for (const s of [sse, ...sse2]) s.close();
    for (const s of streams) s.stop();
    for (const c of clients) await c.dispose();
  });

  it('reports the webhook outbox: pending rows, the age of the oldest, deliveries by outcome', async () => {
    const admin = await server.token('admin', 'ops');
    const hooked = await createStory(server, 'hooked');
    receiver.route('/hook', ['fail'], 'ok');
    const created = await server.gql<{ createWebhook: { webhook: { id: string } } }>(
      'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }',
      { input: { url: `${receiver.url}/hook`, story: hooked, events: ['PUBLISHED'] } },
      { authorization: `Bearer ${admin}` },
    );
    expect(created.errors).toBeUndefined();
    await server.edit(publish, { input: { story: hooked, headline: 'Hooked', body: 'Text.' } });
    // The first attempt fails; the retry waits a minute (WEBHOOK_BACKOFF_BASE_MS): the row waits, and ages.
    await until(() => receiver.received.length === 1, 'the first attempt');
    await sleep(1_100);
    const metrics = await expo();
    expect(metrics.value('diretta_outbox_pending', { outbox: 'webhooks' })).toBe(1);
    expect(metrics.value('diretta_outbox_oldest_age_seconds', { outbox: 'webhooks' })).toBeGreaterThanOrEqual(1);
    expect(metrics.value('diretta_outbox_deliveries_total', { outbox: 'webhooks', outcome: 'failed' })).toBe(1);
    expect(metrics.value('diretta_outbox_deliveries_total', { outbox: 'webhooks', outcome: 'delivered' })).toBe(0);
    // Paused by an admin, it no longer counts for the age (it waits for the admin, not for delivery).
    await server.gql('mutation ($id: ID!) { updateWebhook(input: { id: $id, paused: true }) { webhook { paused } } }', { id: created.data!.createWebhook.webhook.id }, { authorization: `Bearer ${admin}` });
    const paused = await expo();
    expect(paused.value('diretta_outbox_pending', { outbox: 'webhooks' })).toBe(1);
    expect(paused.value('diretta_outbox_oldest_age_seconds', { outbox: 'webhooks' })).toBe(0);
  });

  it('reports the database: up, statements, pools', async () => {
    const metrics = await expo();
    expect(metrics.value('diretta_database_up')).toBe(1);
    expect(metrics.value('diretta_database_outages_total')).toBe(0);
    expect(metrics.value('diretta_db_statements_total')).toBeGreaterThan(10);
    const pools = databaseKind === 'postgres' ? { readers: 10, writers: 3 } : { embedded: 1 };
    for (const [pool, size] of Object.entries(pools)) {
      expect(metrics.value('diretta_db_pool_size', { pool })).toBe(size);
      expect(metrics.value('diretta_db_pool_connections_in_use', { pool })).toBeGreaterThanOrEqual(0);
      expect(metrics.value('diretta_db_pool_waiting', { pool })).toBe(0);
    }
    // The process and the event loop (prom-client's default collectors, with our prefix).
    for (const name of ['diretta_process_cpu_seconds_total', 'diretta_nodejs_eventloop_lag_p99_seconds', 'diretta_nodejs_heap_size_used_bytes']) expect(metrics.families.has(name)).toBe(true);
  });

  it('reports the scheduler: lateness of each scheduled entry published, entries due', async () => {
    const before = await expo();
    const res = await server.edit(publish, { input: { story, headline: 'Scheduled', body: 'Text.', publishAt: new Date(Date.now() + 1_000).toISOString() } });
    expect(res.errors).toBeUndefined();
    await until(async () => (await expo()).value('diretta_scheduler_lateness_seconds_count') === before.value('diretta_scheduler_lateness_seconds_count') + 1, 'the publication', 15_000);
    expect((await expo()).value('diretta_scheduler_due_entries')).toBe(0);
  });

  it('counts subscriptions ended by a shutdown', async () => {
    const client = wsClient(server.url);
    const stream = collect(client, follow, { story });
    const sse = sseSubscribe(server.url, follow, { story });
    await sse.started;
    await until(() => server.app.live.stats().subscribers === 2, 'two subscribers');
    const metrics = server.app.metrics!;
    await server.stop();
    const after = parseExposition(await metrics.registry.metrics());
    expect(after.value('diretta_subscriptions_ended_total', { transport: 'graphql-ws', reason: 'shutdown' })).toBe(1);
    expect(after.value('diretta_subscriptions_ended_total', { transport: 'sse', reason: 'shutdown' })).toBe(1);
    expect(after.value('diretta_subscribers')).toBe(0);
    stream.stop();
    sse.close();
    await client.dispose();
    server = undefined as unknown as TestServer;
  });
});

describe('the operation name of a request answered before parsing (the response cache)', () => {
  it('is read from the document\'s first keyword and name, or is none', () => {
    expect(leadingOperationName('query StoryPage($slug: String!) { story(slug: $slug) { id } }')).toBe('StoryPage');
    expect(leadingOperationName('\ufeff \n\t,mutation  Publish_2($input: X!) { a }')).toBe('Publish_2');
    expect(leadingOperationName('subscription _s { a }')).toBe('_s');
    expect(leadingOperationName('query{ a }')).toBeUndefined();
    expect(leadingOperationName('query ($a: Int) { a }')).toBeUndefined();
    expect(leadingOperationName('{ a }')).toBeUndefined();
    expect(leadingOperationName('queryX { a }')).toBeUndefined();
    expect(leadingOperationName('fragment F on Story { id } query Q { a }')).toBeUndefined();
    expect(leadingOperationName('query')).toBeUndefined();
  });
});
