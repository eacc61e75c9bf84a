/**
 * The response cache (src/plugins/response-cache.ts): anonymous reads are
 * answered without running a statement, and never outlive a change a reader
 * could see — a mutation on this instance at once, a story event committed
 * anywhere as soon as its NOTIFY arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSyntheticStory } from './helpers/fixtures.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { until } from '../scripts/edge/processes.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  await insertSyntheticStory(server.app.database.db, { slug: 'cached-one', entries: 3 });
  // The three entries' NOTIFYs arrive when they arrive; one heard between the first two queries
  // below would rightly drop the first answer. Hear them all first.
  await until('the NOTIFYs of the synthetic story', () => server.app.responseCache.stats().invalidations >= 3);
});
afterAll(async () => {
  await server?.stop();
});

const list = '{ stories(first: 50) { edges { node { slug } } } }';
type List = { stories: { edges: { node: { slug: string } }[] } };
const slugs = (r: { data?: List | null }) => r.data!.stories.edges.map((e) => e.node.slug);

describe('response cache', () => {
  it('answers a repeated anonymous query without a statement', async () => {
    const first = await server.gql<List>(list);
    const second = await server.gql<List>(list);
    expect(first.extensions!.sqlStatements).toBeGreaterThan(0);
    expect(second.extensions!.sqlStatements).toBe(0);
    expect(second.data).toEqual(first.data);
  });

  it('never caches for a token holder', async () => {
    const first = await server.edit(list);
    const second = await server.edit(list);
    expect(first.extensions!.sqlStatements).toBeGreaterThan(0);
    expect(second.extensions!.sqlStatements).toBeGreaterThan(0);
  });

  it('shows a mutation made through this instance at once', async () => {
    await server.gql(list);
    const created = await server.edit(`mutation { createStory(input: { slug: "cached-two", title: "Two", language: "en", status: LIVE }) { story { id } } }`);
    expect(created.errors).toBeUndefined();
    expect(slugs(await server.gql<List>(list))).toContain('cached-two');
  });

  it('drops answers when a story event is committed elsewhere (NOTIFY)', async () => {
    expect(slugs(await server.gql<List>(list))).not.toContain('cached-three');
    // Written straight to the database, as another instance would: only the NOTIFY tells this one.
    await insertSyntheticStory(server.app.database.db, { slug: 'cached-three', entries: 1 });
    await expect.poll(async () => slugs(await server.gql<List>(list)), { timeout: 5_000 }).toContain('cached-three');
  });

  it('keeps drafts from readers even when an editor asked the same query first', async () => {
    const created = await server.edit<{ createStory: { story: { id: string } } }>(
      `mutation { createStory(input: { slug: "cached-draft", title: "Draft", language: "en" }) { story { id } } }`,
    );
    expect(created.errors).toBeUndefined();
    expect(slugs(await server.edit<List>(list))).toContain('cached-draft');
    expect(slugs(await server.gql<List>(list))).not.toContain('cached-draft');
    expect(slugs(await server.gql<List>(list))).not.toContain('cached-draft');
  });
});

describe('response cache with batching on', () => {
  let batching: TestServer;
  beforeAll(async () => {
    batching = await startTestServer({ SEED_DEMO: 'false', BATCHING_LIMIT: '5' });
    await insertSyntheticStory(batching.app.database.db, { slug: 'batched', entries: 1 });
  });
  afterAll(async () => {
    await batching?.stop();
  });

  it('never mixes up the answers of a batch, and caches nothing from one', async () => {
    const a = '{ story(slug: "batched") { title: summary } }';
    const b = '{ story(slug: "batched") { title } }';
    const batch = await fetch(`${batching.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: a }, { query: b }]),
    });
    const [ra, rb] = (await batch.json()) as { data: { story: { title: string } } }[];
    expect(ra!.data.story.title).toBe('Generated for tests.');
    expect(rb!.data.story.title).toBe('Synthetic story batched');
    const alone = await Promise.race([batching.gql<{ story: { title: string } }>(b), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    expect(alone?.data?.story.title).toBe('Synthetic story batched');
    const aloneA = await Promise.race([batching.gql<{ story: { title: string } }>(a), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    expect(aloneA?.data?.story.title).toBe('Generated for tests.');
  });
});
