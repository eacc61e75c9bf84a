/**
 * The API fixes of issue #13: what a new user ran into, each pinned by a test.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { demoStory } from '../src/seed/demo-story.js';
import { databaseKind } from './helpers/database.js';
import { TEST_JWT_SECRET, type TestServer, startTestServer } from './helpers/server.js';

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

describe('a cursor belongs to its connection', () => {
  interface Page {
    edges: { cursor: string; node: { id: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  }
  let entryCursor: string;
  let peopleCursor: string;

  beforeAll(async () => {
    const res = await server.gql<{ story: { entries: Page }; people: Page }>(
      `{ story(slug: "${slug}") { entries(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } } people(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`,
    );
    expect(res.errors).toBeUndefined();
    entryCursor = res.data!.story.entries.pageInfo.endCursor!;
    peopleCursor = res.data!.people.pageInfo.endCursor!;
  });

  it('still pages its own connection', async () => {
    const first = await server.gql<{ story: { entries: Page } }>(`{ story(slug: "${slug}") { entries(first: 4) { edges { node { id } } } } }`);
    const next = await server.gql<{ story: { entries: Page } }>(`{ story(slug: "${slug}") { entries(first: 2, after: "${entryCursor}") { edges { node { id } } pageInfo { hasPreviousPage } } } }`);
    expect(next.errors).toBeUndefined();
    expect(next.data!.story.entries.edges.map((e) => e.node.id)).toEqual(first.data!.story.entries.edges.slice(2).map((e) => e.node.id));
    expect(next.data!.story.entries.pageInfo.hasPreviousPage).toBe(true);
  });

  const refusals: { name: string; query: (cursors: { entry: string; people: string }) => string; argument: string }[] = [
    { name: 'an entries cursor given to people(after:)', query: (c) => `{ people(after: "${c.entry}") { edges { cursor } pageInfo { hasPreviousPage } } }`, argument: 'after' },
    { name: 'an entries cursor given to places(before:)', query: (c) => `{ places(last: 2, before: "${c.entry}") { edges { cursor } } }`, argument: 'before' },
    { name: 'an entries cursor given to stories', query: (c) => `{ stories(after: "${c.entry}") { edges { cursor } } }`, argument: 'after' },
    { name: 'an entries cursor given to the story\'s people', query: (c) => `{ story(slug: "${slug}") { people(after: "${c.entry}") { edges { cursor } } } }`, argument: 'after' },
    { name: 'an entries cursor given to the story\'s key events', query: (c) => `{ story(slug: "${slug}") { keyEvents(after: "${c.entry}") { edges { cursor } } } }`, argument: 'after' },
    { name: 'a newest-first cursor given to oldest-first entries', query: (c) => `{ story(slug: "${slug}") { entries(order: OLDEST_FIRST, after: "${c.entry}") { edges { cursor } } } }`, argument: 'after' },
    { name: 'a people cursor given to the story\'s entries', query: (c) => `{ story(slug: "${slug}") { entries(after: "${c.people}") { edges { cursor } } } }`, argument: 'after' },
    { name: 'a people cursor given to search', query: (c) => `{ search(query: "Kiev", after: "${c.people}") { edges { cursor } } }`, argument: 'after' },
  ];
  it('says which connection the cursor came from', async () => {
    const res = await server.gql(`{ people(after: "${entryCursor}") { edges { cursor } } }`);
    expect(res.errors![0]!.message).toBe('after: is a cursor of Story.entries:NEWEST_FIRST, not of Query.people');
  });

  for (const r of refusals) {
    it(`refuses ${r.name}`, async () => {
      const res = await server.gql(r.query({ entry: entryCursor, people: peopleCursor }));
      expect(res.errors, JSON.stringify(res.data)).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: r.argument });
      expect(res.errors![0]!.message).toMatch(new RegExp(`^${r.argument}: is a cursor of \\S+, not of \\S+$`));
    });
  }
});

describe('node(id:) with the ID of a type that has none', () => {
  const banana = Buffer.from('Banana:1').toString('base64');
  const pageInfo = Buffer.from('PageInfo:1').toString('base64');
  const story = Buffer.from('Story:1').toString('base64');

  for (const [name, id] of [
    ['an unknown type', banana],
    ['a type without IDs', pageInfo],
  ] as const) {
    it(`is BAD_USER_INPUT naming id, for ${name}`, async () => {
      const res = await server.gql(`{ node(id: "${id}") { id } }`);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(res.errors![0]!.message).toMatch(/^id: "(Banana|PageInfo)" is not a type with IDs \(IDs are of .*Story.*\)$/);
      expect(res.errors![0]!.message).not.toMatch(/implemented|loading by id/);
    });
  }

  it('is BAD_USER_INPUT naming ids in nodes(ids:)', async () => {
    const res = await server.gql(`{ nodes(ids: ["${story}", "${banana}"]) { id } }`);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    expect(res.errors![0]!.message).toContain('"Banana" is not a type with IDs');
  });

  it('still fetches a known node, and answers null for one that does not exist', async () => {
    const res = await server.gql<{ node: { id: string; title: string } | null; missing: unknown }>(
      `{ node(id: "${story}") { id ... on Story { title } } missing: node(id: "${Buffer.from('Entry:999999').toString('base64')}") { id } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.node).toEqual({ id: story, title: demoStory.title });
    expect(res.data!.missing).toBeNull();
  });
});

describe('query limits say what they are', () => {
  // The server's defaults: MAX_DEPTH 12, MAX_ALIASES 15, MAX_DIRECTIVES 20, MAX_TOKENS 2000, MAX_COST 20000.
  const cases: { limit: string; max: number; query: string; message: RegExp }[] = [
    {
      limit: 'depth',
      max: 12,
      query: `{ story(slug: "${slug}") { ${'entries(first: 1) { edges { node { story { '.repeat(4)} id ${'} } } }'.repeat(4)} } }`,
      message: /^The operation is nested 18 levels of fields deep \(fragments not counted\) at story(\.entries\.edges\.node\.story){4}\.id; the limit is 12\.$/,
    },
    {
      limit: 'aliases',
      max: 15,
      query: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: people(first: 1) { edges { cursor } }`).join(' ')} }`,
      message: /^The operation uses 16 aliases; the limit is 15\.$/,
    },
    { limit: 'directives', max: 20, query: `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: __typename @skip(if: false)`).join(' ')} }`, message: /^The operation uses 25 directives; the limit is 20\.$/ },
    { limit: 'tokens', max: 2000, query: `{ ${'__typename '.repeat(2100)} }`, message: /^The document has more than 2000 tokens; the limit is 2000\.$/ },
    {
      limit: 'cost',
      max: 20000,
      query: '{ stories(first: 100) { edges { node { entries(first: 100) { edges { node { headline quotes { text } } } } } } } }',
      message: /^The operation may return \d+ list items \(page sizes multiplied through its nesting\); the limit is 20000\.$/,
    },
  ];
  for (const c of cases) {
    it(`${c.limit}: QUERY_LIMIT_EXCEEDED, HTTP 400, no "Syntax Error"`, async () => {
      const res = await server.gql(c.query);
      expect(res.status).toBe(400);
      const error = res.errors!.find((e) => e.extensions?.limit === c.limit);
      expect(error, JSON.stringify(res.errors)).toBeDefined();
      expect(error!.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: c.limit, max: c.max });
      expect(error!.extensions!.http).toBeUndefined();
      expect(error!.message).toMatch(c.message);
      for (const e of res.errors!) expect(e.message).not.toMatch(/Syntax Error/);
    });
  }

  it('says so over GET too, and a real syntax error is still GRAPHQL_PARSE_FAILED', async () => {
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent(`{${'a '.repeat(2100)}}`)}`, { headers: { accept: 'application/graphql-response+json' } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('QUERY_LIMIT_EXCEEDED');
    const syntax = await server.gql('{ story(slug: ');
    expect(syntax.status).toBe(400);
    expect(syntax.errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe('a database that cannot be used ends `npm start` with one line', () => {
  /** Runs the real entry point (what `npm start` runs) and collects how it ends. */
  async function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', LOG_LEVEL: 'warn', SEED_DEMO: 'true', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, stderr };
  }

  function expectOneLine({ code, stderr }: { code: number | null; stderr: string }, message: RegExp) {
    expect(code, stderr).not.toBe(0);
    expect(code, stderr).not.toBeNull();
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(stderr).not.toMatch(/PostgresError|^\s+at /m);
  }

  it.runIf(databaseKind === 'pglite')('nothing listening at the address', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const result = await start({ DATABASE_URL: `postgres://diretta@127.0.0.1:${port}/diretta` });
    expectOneLine(result, new RegExp(`^Diretta cannot start: nothing accepts connections at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\)`));
    expect(result.code).toBe(1);
  });

  // Needs a PostgreSQL server to ask (TEST_DATABASE_URL, as CI sets it); nothing is created on it.
  it.runIf(databaseKind === 'pglite' && Boolean(process.env.TEST_DATABASE_URL))('a database that does not exist', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = '/diretta_no_such_database';
    const result = await start({ DATABASE_URL: url.toString() });
    expectOneLine(result, /^Diretta cannot start: the database "diretta_no_such_database" does not exist on the PostgreSQL server at \S+ \(DATABASE_URL\)/);
    expect(result.code).toBe(1);
  });

  it.runIf(databaseKind === 'pglite')('a port that is taken, found before any work', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const dataDir = mkdtempSync(join(tmpdir(), 'diretta-busy-port-'));
    try {
      const result = await start({ PORT: String(port), DATA_DIR: dataDir });
      expectOneLine(result, new RegExp(`^Diretta cannot start: 127\\.0\\.0\\.1:${port} is already in use \\(PORT, HOST\\)\\.$`));
      expect(result.code).toBe(1);
      // No database was opened, no migration run, no demo story loaded.
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.runIf(databaseKind === 'pglite')('a DATABASE_URL that is not a URL', async () => {
    const result = await start({ DATABASE_URL: 'postgres://user@/diretta' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL: is not a valid URL');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the JSON-LD names authors and the publisher', () => {
  interface Posting {
    author?: { '@type': string; name: string }[];
    publisher: Record<string, unknown>;
    liveBlogUpdate: { headline: string; author?: { '@type': string; name: string } }[];
  }
  const posting = async (target: TestServer) =>
    (await target.gql<{ story: { id: string; liveBlogPosting: Posting } }>(`{ story(slug: "${slug}") { id liveBlogPosting } }`)).data!.story;

  it('gives every update its byline, the live blog the bylines, and a publisher by default', async () => {
    const { liveBlogPosting: doc } = await posting(server);
    expect(doc.publisher).toEqual({ '@type': 'Organization', name: 'Diretta' });
    // A desk's byline is an Organization (issue #27: it was typed as a Person).
    expect(doc.author).toEqual([{ '@type': 'Organization', name: 'Redazione Esteri' }]);
    expect(doc.liveBlogUpdate.length).toBeGreaterThan(0);
    for (const update of doc.liveBlogUpdate) expect(update.author).toEqual({ '@type': 'Organization', name: 'Redazione Esteri' });
  });

  it('follows the byline an editor writes, and leaves it out when cleared', async () => {
    const { id: storyId } = await posting(server);
    const created = await server.edit<{ createEntry: { entry: { id: string } } }>(
      'mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }',
      { input: { story: storyId, headline: 'Byline test', body: 'Con firma.', author: 'Maria Rossi' } },
    );
    expect(created.errors).toBeUndefined();
    let doc = (await posting(server)).liveBlogPosting;
    expect(doc.liveBlogUpdate.find((u) => u.headline === 'Byline test')!.author).toEqual({ '@type': 'Person', name: 'Maria Rossi' });
    expect(doc.author!.map((a) => a.name)).toEqual(['Maria Rossi', 'Redazione Esteri']);

    const cleared = await server.edit('mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { author } } }', {
      input: { id: created.data!.createEntry.entry.id, author: '' },
    });
    expect(cleared.errors).toBeUndefined();
    doc = (await posting(server)).liveBlogPosting;
    expect(doc.liveBlogUpdate.find((u) => u.headline === 'Byline test')).not.toHaveProperty('author');
    expect(doc.author!.map((a) => a.name)).toEqual(['Redazione Esteri']);
  });

  it('names the configured publisher, with its site and logo', async () => {
    const other = await startTestServer({ PUBLISHER_NAME: 'Il Quotidiano', PUBLISHER_URL: 'https://www.example.it/', PUBLISHER_LOGO_URL: 'https://www.example.it/logo.png' });
    try {
      const { liveBlogPosting: doc } = await posting(other);
      expect(doc.publisher).toEqual({
        '@type': 'Organization',
        name: 'Il Quotidiano',
        url: 'https://www.example.it/',
        logo: { '@type': 'ImageObject', url: 'https://www.example.it/logo.png' },
      });
      // the story page embeds the same document
      const html = await (await fetch(`${other.url}/live/${slug}`)).text();
      expect(html).toContain('"publisher":{"@type":"Organization","name":"Il Quotidiano"');
    } finally {
      await other.stop();
    }
  });

  it('refuses publisher settings that are not usable', () => {
    expect(() => loadConfig({ PUBLISHER_URL: 'www.example.it' })).toThrow(/PUBLISHER_URL: must be an absolute http:\/\/ or https:\/\/ URL/);
    expect(() => loadConfig({ PUBLISHER_LOGO_URL: 'javascript:alert(1)' })).toThrow(/PUBLISHER_LOGO_URL: must be an absolute http:\/\/ or https:\/\/ URL/);
    expect(() => loadConfig({ PUBLISHER_NAME: '   ' })).toThrow(/PUBLISHER_NAME: must not be empty/);
    expect(loadConfig({}).publisher).toEqual({ name: 'Diretta', url: null, logoUrl: null });
  });
});

describe('variables as the spec coerces them', () => {
  it('gives an omitted non-null variable its default, and refuses an explicit null for it', async () => {
    const query = `query ($n: Int! = 1) { stories(first: $n) { edges { cursor } } }`;
    const omitted = await server.gql<{ stories: { edges: unknown[] } }>(query);
    expect(omitted.errors).toBeUndefined();
    expect(omitted.data!.stories.edges).toHaveLength(1);
    const nulled = await server.gql(query, { n: null });
    expect(nulled.status).toBe(400);
    expect(nulled.errors![0]!.message).toContain('$n');
  });
});
