import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { graphiqlDefaultQuery } from '../src/graphiql.js';
import { type TestServer, startTestServer } from './helpers/server.js';

describe('default limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('let GraphiQL\'s example and its introspection through', async () => {
    const storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    const document = graphiqlDefaultQuery({ slug: demoStory.slug, globalId: storyId });
    const run = (operationName: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: document, operationName }),
      }).then((r) => r.json() as Promise<{ data?: unknown; errors?: unknown[] }>);
    expect((await run('DemoStory')).errors).toBeUndefined();
    const published = await run('PublishEntry', { authorization: `Bearer ${await server.token('editor')}` });
    expect(published.errors).toBeUndefined();
    const introspection = await server.gql('{ __schema { queryType { name } types { name kind fields { name args { name type { name kind ofType { name kind ofType { name kind } } } } } } } }');
    expect(introspection.errors).toBeUndefined();
  });

  it('answer CORS preflights for any origin by default', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(res.status).toBeLessThan(300);
    // Yoga answers a wildcard policy by echoing the origin, which means the same to the browser.
    expect(['*', 'https://example.org']).toContain(res.headers.get('access-control-allow-origin'));
  });
});

describe('configured limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      INTROSPECTION: 'false',
      CORS_ORIGINS: 'https://newsroom.example',
      RATE_LIMIT_MUTATIONS: '3',
      RATE_LIMIT_EXPENSIVE: '2',
      EXPENSIVE_QUERY_ITEMS: '150',
      BATCHING_LIMIT: '2',
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuse introspection and hide field suggestions when introspection is off', async () => {
    const introspection = await server.gql('{ __schema { types { name } } }');
    expect(introspection.status).toBe(400);
    expect(introspection.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await server.gql('{ storyy { id } }');
    expect(typo.errors![0]!.message).not.toContain('Did you mean');
    expect(typo.errors![0]!.message).toContain('[Suggestion hidden]');
  });

  it('allow only the configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect((await preflight('https://newsroom.example')).headers.get('access-control-allow-origin')).toBe('https://newsroom.example');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('bound batching when it is on', async () => {
    const batch = (n: number) =>
      fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: n }, () => ({ query: '{ __typename }' }))) });
    expect((await batch(2)).status).toBe(200);
    expect((await batch(3)).status).toBe(413);
  });

  it('rate-limit mutations per token with RATE_LIMITED and Retry-After', async () => {
    const story = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    const alice = { authorization: `Bearer ${await server.token('editor', 'alice')}` };
    const bob = { authorization: `Bearer ${await server.token('editor', 'bob')}` };
    const mutation = `mutation ($id: ID!) { setStoryStatus(input: { id: $id, status: LIVE }) { story { id } } }`;
    for (let i = 0; i < 3; i++) expect((await server.gql(mutation, { id: story }, alice)).errors).toBeUndefined();
    const limited = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...alice },
      body: JSON.stringify({ query: mutation, variables: { id: story } }),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
    expect((await server.gql(mutation, { id: story }, bob)).errors).toBeUndefined();
  });

  it('rate-limit expensive queries (search, large pages) but not cheap ones', async () => {
    const search = '{ search(query: "droni") { edges { cursor } } }';
    expect((await server.gql(search)).errors).toBeUndefined();
    const bigPage = `{ stories(first: 10) { edges { node { entries(first: 20) { edges { cursor } } } } } }`;
    expect((await server.gql(bigPage)).errors).toBeUndefined();
    const third = await server.gql(search);
    expect(third.status).toBe(429);
    expect(third.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    for (let i = 0; i < 5; i++) expect((await server.gql(`{ story(slug: "${demoStory.slug}") { title entries(first: 5) { edges { cursor } } } }`)).errors).toBeUndefined();
  });

  it('count each aliased search against the expensive-query limit', async () => {
    const carol = { authorization: `Bearer ${await server.token('editor', 'carol')}` };
    const twoSearches = '{ a: search(query: "droni") { edges { cursor } } b: search(query: "Kiev") { edges { cursor } } }';
    expect((await server.gql(twoSearches, undefined, carol)).errors).toBeUndefined();
    // The limit is 2 a minute: those two searches used it up.
    const next = await server.gql('{ search(query: "Mosca") { edges { cursor } } }', undefined, carol);
    expect(next.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
  });
});
