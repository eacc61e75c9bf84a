/**
 * Debian's Prometheus scrapes a running instance (test/helpers/prometheus.ts:
 * a private port and directory), through the metrics listener and through
 * the main port with the bearer token; after a known workload — N queries,
 * M subscribers over graphql-ws and SSE, K events — PromQL over its HTTP API
 * returns exactly those numbers. Skips, saying why, where Prometheus is not
 * installed (.ci/run installs it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/db/client.js';
import { componentTestsRunHere } from './helpers/database.js';
import { type Prometheus, prometheusUnavailable, startPrometheus } from './helpers/prometheus.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { type SseSubscription, sseSubscribe } from './helpers/sse.js';
import { type Received, collect, wsClient } from './helpers/ws.js';

const unavailable = prometheusUnavailable();
if (unavailable) console.log(`[prometheus] skipping: ${unavailable}`);

const TOKEN = 'prometheus-test-token-0123456789';
const follow = 'subscription Follow($story: ID!) { storyEvents(story: $story) { sequence kind } }';
const createEntry = 'mutation Publish($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }';
const N = 7;
const K = 4;

describe.skipIf(unavailable || !componentTestsRunHere)('Prometheus scraping a running instance', () => {
  let server: TestServer;
  let prometheus: Prometheus;
  const clients: ReturnType<typeof wsClient>[] = [];
  const streams: Received<unknown>[] = [];
  const sse: SseSubscription<unknown>[] = [];
  /** Both jobs scrape the same instance: every query names one. */
  const value = async (promql: string) => {
    const samples = await prometheus.query(promql);
    if (samples.length !== 1) throw new Error(`${promql}: ${samples.length} samples: ${JSON.stringify(samples)}`);
    return samples[0]!.value;
  };

  beforeAll(async () => {
    server = await startTestServer({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN, SEED_DEMO: 'false', MAX_ALIASES: '2' });
    const metricsAddress = new URL(server.app.metricsUrl!).host;
    prometheus = await startPrometheus([{ address: metricsAddress }, { address: new URL(server.url).host, bearerToken: TOKEN }]);
  });
  afterAll(async () => {
    for (const s of sse) s.close();
    for (const c of clients) await c.dispose();
    await prometheus?.stop();
    await server?.stop();
  });

  it('counts N queries, M subscribers and K events as PromQL sees them', async () => {
    const created = await server.edit<{ createStory: { story: { id: string } } }>(
      'mutation { createStory(input: { slug: "scraped", title: "Scraped", language: "en", status: LIVE }) { story { id } } }',
    );
    const story = created.data!.createStory.story.id;

    // N reads of one named operation (the first computed, the rest from the response cache), one refused by a limit.
    for (let i = 0; i < N; i++) expect((await server.gql('query PromRead { stories(first: 5) { edges { node { slug } } } }')).errors).toBeUndefined();
    const refused = await server.gql('query TooManyAliases { a: stories { pageInfo { hasNextPage } } b: stories { pageInfo { hasNextPage } } c: stories { pageInfo { hasNextPage } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('QUERY_LIMIT_EXCEEDED');

    // M subscribers: 3 readers and an editor over graphql-ws, 2 readers over SSE.
    const editorToken = await server.token('editor');
    for (const params of [undefined, undefined, undefined, { authorization: `Bearer ${editorToken}` }]) {
      const client = wsClient(server.url, params);
      clients.push(client);
      streams.push(collect(client, follow, { story }));
    }
    for (let i = 0; i < 2; i++) sse.push(sseSubscribe(server.url, follow, { story }));
    await Promise.all(sse.map((s) => s.started));
    const deadline = Date.now() + 10_000;
    while (server.app.live.stats().subscribers < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.app.live.stats().subscribers).toBe(6);

    // K events, each received by every subscriber.
    for (let i = 0; i < K; i++) {
      const published = await server.edit(createEntry, { input: { story, headline: `Entry ${i}`, body: 'Text.' } });
      expect(published.errors).toBeUndefined();
    }
    await Promise.all([...streams.map((s) => s.waitFor(K)), ...sse.map((s) => s.waitFor(K))]);
    const [counted] = await queryRows<{ events: number }>(server.app.database.db, sql`select count(*)::int as events from story_events`);
    const events = counted!.events;

    // The delivery measure ends when the last subscriber asks for its next event: give it a moment, then a scrape.
    await new Promise((r) => setTimeout(r, 200));
    await prometheus.scrapedAfter(Date.now());

    for (const job of ['diretta-0', 'diretta-1']) expect(await value(`up{job="${job}"}`)).toBe(1);
    const j = 'job="diretta-0"';
    expect(await value(`sum(diretta_graphql_request_duration_seconds_count{${j},operation="PromRead",type="query"})`)).toBe(N);
    expect(await value(`sum(diretta_graphql_request_duration_seconds_count{${j},operation="PromRead",outcome="cached"})`)).toBe(await value(`diretta_response_cache_hits_total{${j}}`));
    expect(await value(`diretta_requests_refused_total{${j},limit="aliases"}`)).toBe(1);
    expect(await value(`sum(diretta_graphql_request_duration_seconds_count{${j},operation="Publish",type="mutation",outcome="ok"})`)).toBe(K);

    expect(await value(`sum(diretta_subscribers{${j}})`)).toBe(6);
    expect(await value(`sum(diretta_subscribers{${j},transport="graphql-ws"})`)).toBe(4);
    expect(await value(`sum(diretta_subscribers{${j},transport="sse"})`)).toBe(2);
    expect(await value(`sum(diretta_subscribers{${j},role="editor"})`)).toBe(1);
    expect(await value(`sum(diretta_subscriptions_started_total{${j}})`)).toBe(6);

    expect(await value(`diretta_events_dispatched_total{${j}}`)).toBe(K);
    expect(await value(`diretta_events_appended_total{${j}}`)).toBe(events);
    expect(await value(`diretta_events_delivered_total{${j},transport="graphql-ws"}`)).toBe(K * 4);
    expect(await value(`diretta_events_delivered_total{${j},transport="sse"}`)).toBe(K * 2);
    expect(await value(`diretta_delivery_commit_to_dispatch_seconds_count{${j}}`)).toBe(K);
    expect(await value(`diretta_delivery_dispatch_to_written_seconds_count{${j}}`)).toBe(K);
    expect(await value(`diretta_database_up{${j}}`)).toBe(1);
    expect(await value(`diretta_live_stories_followed{${j}}`)).toBe(1);

    // The same numbers through the main port and its token.
    expect(await value(`diretta_events_dispatched_total{job="diretta-1"}`)).toBe(K);
    expect(await value(`sum(diretta_subscribers{job="diretta-1"})`)).toBe(6);
  });

  it('sees subscribers leave, and why', async () => {
    // One WebSocket reader goes away, one SSE reader too.
    await clients.shift()!.dispose();
    sse.shift()!.close();
    const deadline = Date.now() + 10_000;
    while (server.app.live.stats().subscribers > 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await prometheus.scrapedAfter(Date.now());
    const j = 'job="diretta-0"';
    expect(await value(`sum(diretta_subscribers{${j}})`)).toBe(4);
    expect(await value(`diretta_subscriptions_ended_total{${j},transport="graphql-ws",reason="client_gone"}`)).toBe(1);
    expect(await value(`diretta_subscriptions_ended_total{${j},transport="sse",reason="client_gone"}`)).toBe(1);
    expect(await value(`sum(diretta_subscriptions_ended_total{${j}})`)).toBe(2);
  });
});
