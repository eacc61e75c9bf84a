/**
 * What a shared cache may keep: anonymous GETs of trusted documents, the
 * pages, feeds and ninjs are public with surrogate keys naming what they
 * read and an ETag; anything with a token, a mutation, a POST, an error or
 * an untrusted document is `private, no-store`. Trusted documents: by hash
 * (APQ), by text, from a file; TRUSTED_DOCUMENTS_ONLY refuses the rest
 * without a token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { documentHash } from '../src/plugins/trusted-documents.js';
import { newCacheScope } from '../src/cache-scope.js';
import { surrogateKeys } from '../src/plugins/edge-cache.js';
import { demoStory } from '../src/seed/demo-story.js';
import { ENTRIES_PER_LOAD, feedQuery, storyPageQuery } from '../src/site/page-data.js';
import { persistedUrl, publishEntry, storyId } from './helpers/edge.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const slug = demoStory.slug;
const pageVariables = { slug, first: ENTRIES_PER_LOAD, withJsonLd: false };
const keysOf = (response: Response) => (response.headers.get('surrogate-key') ?? '').split(' ').filter(Boolean);

describe('edge caching headers', () => {
  let server: TestServer;
  let story: string;
  beforeAll(async () => {
    // Statement counts in the answers would make a cached answer's bytes differ from a computed one's.
    server = await startTestServer({ VARNISH_PURGE_URL: 'http://127.0.0.1:9/', EDGE_PURGE_DELIVERY: 'false', REPORT_SQL_STATEMENTS: 'false' });
    story = await storyId(server, slug);
  });
  afterAll(() => server.stop());

  it('makes an anonymous GET of a trusted document public, with the keys of what it read and an ETag (304 when it matches)', async () => {
    const url = persistedUrl(server.url, storyPageQuery, pageVariables);
    const first = await fetch(url, { headers: { accept: 'application/graphql-response+json' } });
    expect(first.status).toBe(200);
    const body = (await first.json()) as { data: { story: { title: string } } };
    expect(body.data.story.title).toBe(demoStory.title);
    expect(first.headers.get('cache-control')).toBe('public, max-age=5, s-maxage=60, stale-while-revalidate=60, stale-if-error=864000');
    const keys = keysOf(first);
    expect(first.headers.get('xkey')).toBe(first.headers.get('surrogate-key'));
    const numericStory = Buffer.from(story, 'base64').toString().split(':')[1];
    expect(keys).toContain(`story-${numericStory}`);
    // The entries are the story's: its key covers them, they are not named one by one.
    expect(keys.filter((k) => k.startsWith('entry-'))).toEqual([]);
    // The people and places the entries show, by their catalog keys.
    expect(keys.some((k) => /^person-\d+-name$/.test(k))).toBe(true);
    expect(keys.some((k) => /^place-\d+-name$/.test(k))).toBe(true);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(url, { headers: { accept: 'application/graphql-response+json', 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    // Served from the response cache the second time, with the same keys.
    const third = await fetch(url, { headers: { accept: 'application/graphql-response+json' } });
    expect(keysOf(third).sort()).toEqual([...keys].sort());
    expect(third.headers.get('etag')).toBe(etag);
  });

  it('keeps nothing a token sees, nor mutations, POSTs, errors or untrusted documents', async () => {
    const token = await server.token('editor');
    const url = persistedUrl(server.url, storyPageQuery, pageVariables);
    const withToken = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get('cache-control')).toBe('private, no-store');
    expect(withToken.headers.get('surrogate-key')).toBeNull();

    const post = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: storyPageQuery, variables: pageVariables }) });
    expect(post.headers.get('cache-control')).toBe('private, no-store');

    const mutation = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', variables: { input: { story, headline: 'Draft', body: 'x', publish: false } } }),
    });
    expect(mutation.headers.get('cache-control')).toBe('private, no-store');

    const untrusted = new URL('/graphql', server.url);
    untrusted.searchParams.set('query', '{ stories(first: 1) { edges { node { slug } } } }');
    const arbitrary = await fetch(untrusted);
    expect(arbitrary.status).toBe(200);
    expect(arbitrary.headers.get('cache-control')).toBe('private, no-store');

    const missing = await fetch(persistedUrl(server.url, storyPageQuery, { ...pageVariables, slug: 'no-such-story' }));
    expect(((await missing.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect(missing.headers.get('cache-control')).toBe('private, no-store');
  });

  it('answers an unknown hash as APQ clients expect', async () => {
    const url = new URL('/graphql', server.url);
    url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } }));
    const res = await fetch(url);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.message).toBe('PersistedQueryNotFound');
    expect(body.errors[0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
  });

  it('makes the pages, feeds and ninjs public with their keys and validators, and private for a token or an error', async () => {
    const page = await fetch(`${server.url}/live/${slug}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toMatch(/^public, max-age=5, s-maxage=60,/);
    expect(keysOf(page).some((k) => /^story-\d+$/.test(k))).toBe(true);
    const etag = page.headers.get('etag')!;
    expect((await fetch(`${server.url}/live/${slug}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const index = await fetch(`${server.url}/`);
    expect(keysOf(index)).toContain('stories');

    for (const path of [`/live/${slug}/feed.atom`, `/live/${slug}/feed.json`, `/live/${slug}/ninjs.json`, '/feed.atom', '/feed.json']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toMatch(/^public,/);
      const keys = keysOf(res);
      expect(keys.some((k) => /^story-\d+$/.test(k)), path).toBe(true);
      // A list of stories names them, not their entries.
      if (path.startsWith('/feed')) expect(keys.filter((k) => k.startsWith('entry-')), path).toEqual([]);
    }

    const token = await server.token('reader');
    const withToken = await fetch(`${server.url}/live/${slug}`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.headers.get('cache-control')).toBe('private, no-store');
    expect(withToken.headers.get('surrogate-key')).toBeNull();
    const missing = await fetch(`${server.url}/live/no-such-story`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('private, no-store');
  });

  it('names a new entry in what the page reads once it is published, and the page changes its ETag', async () => {
    const before = await fetch(`${server.url}/live/${slug}`);
    const headline = `Edge headline ${Date.now()}`;
    await publishEntry(server, story, headline);
    const after = await fetch(`${server.url}/live/${slug}`);
    expect(await after.text()).toContain(headline);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });
});

describe('surrogate keys', () => {
  it('name what was read, leave out entries their story covers, and fall back to `all` past 4 KB', () => {
    const scope = newCacheScope(true);
    scope.stories.add(1);
    scope.entries.set(10, 1);
    scope.entries.set(20, 2);
    scope.entries.set(30, 0);
    scope.peopleShown.add(7);
    scope.places.add(3);
    scope.listsPeople = true;
    expect(surrogateKeys(scope).sort()).toEqual(['entry-20', 'entry-30', 'people', 'person-7-name', 'place-3', 'story-1']);
    expect(surrogateKeys(newCacheScope(true))).toEqual(['all']);
    expect(surrogateKeys(newCacheScope(false))).toEqual(['all']);
    for (let id = 1; id <= 1_000; id++) scope.entries.set(100_000 + id, 0);
    expect(surrogateKeys(scope)).toEqual(['all']);
  });
});

describe('trusted documents only', () => {
  let server: TestServer;
  let dir: string;
  const appDocument = 'query AppStories { stories(first: 2) { edges { node { slug title } } } }';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'diretta-trusted-'));
    writeFileSync(join(dir, 'documents.json'), JSON.stringify({ 'app-stories-v1': appDocument }));
    server = await startTestServer({ TRUSTED_DOCUMENTS_ONLY: 'true', TRUSTED_DOCUMENTS_FILE: join(dir, 'documents.json') });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an anonymous document that is not trusted, naming the rule', async () => {
    const res = await server.gql('{ stories(first: 1) { edges { node { slug } } } }');
    expect(res.data ?? null).toBeNull();
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'PERSISTED_QUERY_ONLY', field: 'query' });
    expect(res.errors![0]!.message).toContain('TRUSTED_DOCUMENTS_ONLY');
  });

  it("runs the pages' documents by hash or by text, an app's by its id or its hash, and anything for a token", async () => {
    const byHash = await fetch(persistedUrl(server.url, storyPageQuery, pageVariables));
    expect(((await byHash.json()) as { data: { story: { slug: string } } }).data.story.slug).toBe(slug);
    const byText = await server.gql<{ story: { slug: string } }>(feedQuery, { slug, first: 5 });
    expect(byText.errors).toBeUndefined();
    expect(byText.data!.story.slug).toBe(slug);
    for (const id of ['app-stories-v1', documentHash(appDocument)]) {
      const url = new URL('/graphql', server.url);
      url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: id } }));
      const res = await fetch(url);
      const body = (await res.json()) as { data?: { stories: { edges: unknown[] } }; errors?: unknown };
      expect(body.errors, id).toBeUndefined();
      expect(body.data!.stories.edges.length).toBeGreaterThan(0);
      expect(res.headers.get('cache-control')).toMatch(/^public,/);
    }
    const editor = await server.edit<{ stories: { edges: unknown[] } }>('{ stories(first: 1) { edges { node { slug } } } }');
    expect(editor.errors).toBeUndefined();
    // A token that does not verify is no token.
    const forged = await server.gql('{ stories(first: 1) { edges { node { slug } } } }', undefined, { authorization: 'Bearer not.a.token' });
    expect(forged.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_ONLY');
  });

  it('refuses an untrusted subscription on an anonymous WebSocket', async () => {
    const client = createClient({ url: server.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const errors = await new Promise<readonly { extensions?: Record<string, unknown> }[]>((resolve, reject) => {
        client.subscribe({ query: 'subscription { storyEvents(story: "U3Rvcnk6MQ==") { cursor } }' }, { next: () => reject(new Error('ran')), error: (e) => resolve(e as never), complete: () => reject(new Error('completed')) });
      });
      expect(errors[0]!.extensions!.code).toBe('PERSISTED_QUERY_ONLY');
    } finally {
      await client.dispose();
    }
  });

  it('refuses to start on a file of documents that do not hold, listing every problem', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ good: appDocument, broken: 'query {', wrong: '{ noSuchField }', 'bad id!': appDocument }));
    const failed = await startTestServer({ TRUSTED_DOCUMENTS_FILE: join(dir, 'bad.json') }).then(
      (s) => s.stop().then(() => null),
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ConfigError);
    const problems = (failed as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/"broken" does not parse/);
    expect(problems.join('\n')).toMatch(/"wrong" does not validate/);
    expect(problems.join('\n')).toMatch(/"bad id!": an id is/);
  });
});
