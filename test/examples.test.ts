/**
 * Examples that cannot rot (issue #27). relay-compiler compiles the Relay
 * example (examples/relay) and checks its committed artifacts are what the
 * documents compile to; every example document — the Relay operations as
 * relay-compiler prints them, and the documents in examples/**.ts (gql tags
 * and `/* GraphQL *\/` strings) — validates against the schema and runs
 * against a real server under its default limits (depth, aliases, cost,
 * response size…), subscriptions over graphql-ws included. The Apollo
 * example itself runs: a publish shows up in its watched query.
 * `npm run typecheck` type-checks the examples (examples/tsconfig.json).
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gqlPluckFromCodeStringSync } from '@graphql-tools/graphql-tag-pluck';
import { type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse, print, validate, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApolloClient, followStory, type StoryPageData } from '../examples/apollo/story-ticker.js';
import { loadConfig } from '../src/config.js';
import { deepestPath } from '../src/plugins/depth.js';
import { schema } from '../src/schema/index.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const relayDir = join(root, 'examples/relay');
const artifactsDir = join(relayDir, '__generated__');

interface ExampleOperation {
  /** Where it comes from, for failure messages. */
  source: string;
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  /** The whole document the client sends: the operation and the fragments it uses. */
  text: string;
}

/** The operations relay-compiler wrote (each artifact's `params.text`: what Relay sends). */
async function relayOperations(): Promise<ExampleOperation[]> {
  const operations: ExampleOperation[] = [];
  for (const file of readdirSync(artifactsDir).filter((f) => f.endsWith('.graphql.ts'))) {
    const artifact = (await import(join(artifactsDir, file))) as { default: { kind: string; params?: { name: string; operationKind: ExampleOperation['kind']; text: string | null } } };
    const params = artifact.default.params;
    if (artifact.default.kind === 'Request' && params?.text) operations.push({ source: `examples/relay/__generated__/${file}`, name: params.name, kind: params.operationKind, text: params.text });
  }
  return operations;
}

const fragmentsUsed = (node: DefinitionNode, fragments: Map<string, FragmentDefinitionNode>, found = new Map<string, FragmentDefinitionNode>()) => {
  visit(node, {
    FragmentSpread(spread) {
      const fragment = fragments.get(spread.name.value);
      if (fragment && !found.has(fragment.name.value)) {
        found.set(fragment.name.value, fragment);
        fragmentsUsed(fragment, fragments, found);
      }
    },
  });
  return [...found.values()];
};

/** The documents in the examples' TypeScript files, found as GraphQL Code Generator and graphql-eslint find them. */
function typescriptOperations(): ExampleOperation[] {
  const files = [...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => `examples/${f}`), 'examples/apollo/story-ticker.ts'];
  return files.flatMap((file) => {
    const sources = gqlPluckFromCodeStringSync(file, readFileSync(join(root, file), 'utf8'), { skipIndent: true });
    // Interpolated fragments (`${FRAGMENT}`) are documents of their own in the same file.
    const document = parse(sources.map((s) => s.body.replace(/\$\{[^}]*\}/g, '')).join('\n'));
    const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    return document.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
      .map((operation) => ({
        source: file,
        name: operation.name?.value ?? '(anonymous)',
        kind: operation.operation as ExampleOperation['kind'],
        text: [operation, ...fragmentsUsed(operation, fragments)].map((d) => print(d)).join('\n\n'),
      }));
  });
}

let server: TestServer;
let storyId: string;
let operations: ExampleOperation[];

beforeAll(async () => {
  server = await startTestServer();
  storyId = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
  operations = [...(await relayOperations()), ...typescriptOperations()];
});
afterAll(() => server?.stop());

/** Variables for the examples' operations, by name, as their apps would send them. */
const variablesFor = (document: DocumentNode): Record<string, unknown> => {
  const given: Record<string, unknown> = {
    slug: demoStory.slug,
    story: storyId,
    id: storyId,
    first: 5,
    input: { story: storyId, headline: 'Dagli esempi', body: 'Pubblicato dal documento di un esempio.' },
  };
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return Object.fromEntries((operation.variableDefinitions ?? []).flatMap((v) => (v.variable.name.value in given ? [[v.variable.name.value, given[v.variable.name.value]]] : [])));
};

describe('the Relay example', () => {
  it('compiles with relay-compiler, without a warning, to the artifacts committed', async () => {
    const { stdout, stderr } = await run(join(root, 'node_modules/.bin/relay-compiler'), ['--validate'], { cwd: relayDir });
    expect(`${stdout}${stderr}`).not.toMatch(/WARN|ERROR/);
    expect(readdirSync(artifactsDir).filter((f) => f.endsWith('.graphql.ts'))).toHaveLength(10);
  });

  it('its story page is 10 levels of fields deep, 15 counting its fragments, within MAX_DEPTH', async () => {
    const page = operations.find((o) => o.name === 'StoryPageQuery')!;
    const document = parse(page.text);
    const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const found = deepestPath(operation.selectionSet, (name) => fragments.get(name));
    expect(found.depth).toBe(10);
    expect(found.depth).toBeLessThanOrEqual(loadConfig({}).limits.maxDepth);
    // The spreads on that path: EntryList_story, EntryCard_entry, EntryQuotes_entry, QuoteBlock_quote, SpeakerCard_person.
    expect(found.path).toEqual(['story', 'entries', 'edges', 'node', 'quotes', 'speaker', 'quotes', 'edges', 'node', 'id']);
  });
});

describe('every example document', () => {
  it('is found: the Relay operations and those in examples/**.ts', () => {
    expect(operations.map((o) => `${o.kind} ${o.name}`).sort()).toEqual(
      [
        'query StoryPageQuery',
        'query EntryListPaginationQuery',
        'subscription EntryListNewEntriesSubscription',
        'query ApolloStoryPage',
        'subscription ApolloNewEntries',
        'query FollowStory',
        'subscription FollowStoryEvents',
        'query PublishEntryStory',
        'mutation PublishEntry',
      ].sort(),
    );
  });

  it('validates against the schema', () => {
    for (const operation of operations) expect(validate(schema, parse(operation.text)).map((e) => e.message), `${operation.source}: ${operation.name}`).toEqual([]);
  });

  it('runs against the server within its limits: queries and mutations over HTTP', async () => {
    for (const operation of operations.filter((o) => o.kind !== 'subscription')) {
      const variables = variablesFor(parse(operation.text));
      const res = operation.kind === 'mutation' ? await server.edit(operation.text, variables) : await server.gql(operation.text, variables);
      expect({ status: res.status, errors: res.errors }, `${operation.source}: ${operation.name}`).toEqual({ status: 200, errors: undefined });
    }
  });

  it('runs against the server within its limits: subscriptions over graphql-ws, each receiving a publish', async () => {
    const subscriptions = operations.filter((o) => o.kind === 'subscription');
    const client = wsClient(server.url);
    const received = subscriptions.map((operation) => ({ operation, events: collect(client, operation.text, variablesFor(parse(operation.text))) }));
    // `entryPublished` has no cursor to resume from: publish until every subscription has heard one (it may not be registered yet).
    for (let attempt = 0; attempt < 10 && received.some((r) => r.events.values.length === 0 && r.events.errors.length === 0); attempt++) {
      await server.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story: storyId, headline: `Per gli abbonati ${attempt}`, body: 'Testo.' } });
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const { operation, events } of received) {
      await events.waitFor(1).catch((error: unknown) => {
        throw new Error(`${operation.source}: ${operation.name}: ${String(error)}`);
      });
      expect(events.errors, operation.name).toEqual([]);
      events.stop();
    }
    await client.dispose();
  });
});

describe('the Apollo Client example', () => {
  it('shows a publish in its watched query, on top of the cached page', async () => {
    const client = createApolloClient(`${server.url}/graphql`);
    const pages: StoryPageData[] = [];
    const stop = await followStory(client, demoStory.slug, (page) => pages.push(page), 5);
    expect(pages.at(-1)!.story!.entries.edges).toHaveLength(5);
    // `entryPublished` has no cursor to resume from: publish until the watched page shows one (the subscription may not be registered yet).
    const top = () => pages.at(-1)!.story!.entries.edges[0]!.node.headline;
    let published = 0;
    while (!top().startsWith('Visto da Apollo') && published < 10) {
      await server.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story: storyId, headline: `Visto da Apollo ${published++}`, body: 'Testo.' } });
      const started = Date.now();
      while (!top().startsWith('Visto da Apollo') && Date.now() - started < 1_000) await new Promise((r) => setTimeout(r, 20));
    }
    const latest = pages.at(-1)!.story!.entries.edges;
    expect(latest[0]!.node.headline).toMatch(/^Visto da Apollo \d$/);
    // Entries are added on top of the cached page, none replaced: the 5 loaded and each one heard.
    expect(latest.length).toBeGreaterThan(5);
    expect(latest.slice(-5).map((e) => e.node.headline)).toEqual(pages[0]!.story!.entries.edges.map((e) => e.node.headline));
    stop();
    client.stop();
  });
});
