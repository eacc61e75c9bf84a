/**
 * The API fixes of issue #13: what a new user ran into, each pinned by a test.
 */
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

/** Every object's keys, depth first, so that one comparison checks the order everywhere. */
function keyOrder(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => keyOrder(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const keys = Object.keys(value);
  return [`${path || '.'}: ${keys.join(' ')}`, ...keys.flatMap((k) => keyOrder((value as Record<string, unknown>)[k], `${path}.${k}`))];
}

describe('response keys come in the order the query asked for', () => {
  it('on one object, whichever field resolves first', async () => {
    const res = await server.gql<{ story: Record<string, unknown> }>(`{ story(slug: "${slug}") { title id status } }`);
    expect(res.errors).toBeUndefined();
    expect(Object.keys(res.data!.story)).toEqual(['title', 'id', 'status']);
    const reversed = await server.gql<{ story: Record<string, unknown> }>(`{ story(slug: "${slug}") { status id title } }`);
    expect(Object.keys(reversed.data!.story)).toEqual(['status', 'id', 'title']);
  });

  it('through nested lists, loaders, aliases and fragments', async () => {
    const query = `
      query {
        story(slug: "${slug}") {
          counts { quotes entries }
          ...Head
          entries(first: 3) {
            pageInfo { hasNextPage endCursor }
            edges {
              node {
                people { name id }
                headline
                ... on Entry { quotes { speaker { name } text } keyEvent }
                id
                first: publishedAt
              }
              cursor
            }
          }
          id
        }
      }
      fragment Head on Story { status title }`;
    const res = await server.gql(query);
    expect(res.errors).toBeUndefined();
    const order = keyOrder(res.data);
    expect(order).toContain('.story: counts status title entries id');
    expect(order).toContain('.story.counts: quotes entries');
    expect(order).toContain('.story.entries: pageInfo edges');
    expect(order).toContain('.story.entries.pageInfo: hasNextPage endCursor');
    const edges = order.filter((line) => /^\.story\.entries\.edges\[\d+\]: /.test(line));
    expect(edges).toHaveLength(3);
    for (const line of edges) expect(line).toMatch(/: node cursor$/);
    const nodes = order.filter((line) => /^\.story\.entries\.edges\[\d+\]\.node: /.test(line));
    expect(nodes).toHaveLength(3);
    for (const line of nodes) expect(line).toMatch(/: people headline quotes keyEvent id first$/);
    const people = order.filter((line) => /\.people\[\d+\]: /.test(line));
    expect(people.length).toBeGreaterThan(0);
    for (const line of people) expect(line).toMatch(/: name id$/);
    const quotes = order.filter((line) => /\.quotes\[\d+\]: /.test(line));
    expect(quotes.length).toBeGreaterThan(0);
    for (const line of quotes) expect(line).toMatch(/: speaker text$/);
  });
});
