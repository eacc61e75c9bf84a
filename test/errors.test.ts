import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const slug = demoStory.slug;
const personId = Buffer.from('Person:1').toString('base64');

// Each case: the operation, the code and the field the error must carry.
const cases: { name: string; query: string; variables?: Record<string, unknown>; code: string; field?: string }[] = [
  { name: 'unknown story slug', query: '{ story(slug: "no-such-story") { title } }', code: 'NOT_FOUND', field: 'slug' },
  { name: 'unknown person slug', query: '{ person(slug: "nobody") { name } }', code: 'NOT_FOUND', field: 'slug' },
  { name: 'unknown place slug', query: '{ place(slug: "nowhere") { name } }', code: 'NOT_FOUND', field: 'slug' },
  { name: 'story with neither slug nor id', query: '{ story { title } }', code: 'BAD_USER_INPUT', field: 'slug' },
  { name: 'story with both slug and id', query: `{ story(slug: "${slug}", id: "${personId}") { title } }`, code: 'BAD_USER_INPUT', field: 'slug' },
  { name: 'malformed global ID', query: '{ node(id: "%%%") { id } }', code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'global ID of garbage', query: `{ node(id: "${Buffer.from('nonsense').toString('base64')}") { id } }`, code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'ID of the wrong type', query: `{ story(id: "${personId}") { title } }`, code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'mentioning a story', query: `{ story(slug: "${slug}") { entries(mentioning: "${Buffer.from('Story:1').toString('base64')}") { edges { cursor } } } }`, code: 'BAD_USER_INPUT', field: 'mentioning' },
  { name: 'malformed cursor', query: '{ stories(after: "not-a-cursor!") { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'after' },
  { name: 'cursor of another shape', query: `{ stories(after: "${Buffer.from('[1]').toString('base64url')}") { edges { cursor } } }`, code: 'BAD_USER_INPUT', field: 'after' },
  { name: 'first over 100', query: '{ stories(first: 101) { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'negative first', query: '{ people(first: -1) { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'last over 100 on a nested connection', query: `{ story(slug: "${slug}") { entries(last: 500) { edges { cursor } } } }`, code: 'BAD_USER_INPUT', field: 'last' },
  { name: 'first and last together', query: '{ places(first: 1, last: 1) { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'empty search', query: '{ search(query: "   ") { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'query' },
  { name: 'search too long', query: `{ search(query: "${'a'.repeat(201)}") { edges { cursor } } }`, code: 'BAD_USER_INPUT', field: 'query' },
  { name: 'empty status filter', query: '{ stories(status: []) { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'status' },
  { name: 'bad country code', query: '{ places(countryCode: "ITA") { edges { cursor } } }', code: 'BAD_USER_INPUT', field: 'countryCode' },
  { name: 'too many nodes', query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: Array.from({ length: 101 }, () => personId) }, code: 'BAD_USER_INPUT', field: 'ids' },
];

describe('bad arguments get a clear error', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const res = await server.gql(c.query, c.variables);
      expect(res.status).toBe(200);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: c.code, ...(c.field ? { field: c.field } : {}) });
      if (c.field) expect(res.errors![0]!.message).toContain(c.field);
    });
  }

  it('rejects an unknown field and a wrongly typed variable before running anything', async () => {
    const unknown = await server.gql('{ storyy { id } }');
    expect(unknown.status).toBe(400);
    expect(unknown.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const wrongType = await server.gql('query ($n: Int) { stories(first: $n) { edges { cursor } } }', { n: 'ten' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.errors![0]!.extensions!.code).toBeDefined();
  });

  it('answers invalid JSON with 400', async () => {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('keeps serving after all of the above', async () => {
    const res = await server.gql<{ story: { title: string } }>(`{ story(slug: "${slug}") { title } }`);
    expect(res.data!.story.title).toBe(demoStory.title);
  });

  it('returns null, not an error, for a well-formed ID that matches nothing', async () => {
    const res = await server.gql(`{ node(id: "${Buffer.from('Entry:999999').toString('base64')}") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ node: null });
  });

  it('gives every response a request id', async () => {
    const res = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });
});

describe('a write that loses a race twice', () => {
  it('is a CONFLICT whatever the database called it, with the SQL state kept apart', async () => {
    const { withConstraintErrors } = await import('../src/editing/database-errors.js');
    let attempts = 0;
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const error = await withConstraintErrors(async () => {
      attempts++;
      throw deadlock;
    }).catch((e: unknown) => e as { extensions?: Record<string, unknown> });
    expect(attempts).toBe(2);
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', sqlState: '40P01' });
  });
});
