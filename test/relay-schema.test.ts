/**
 * The schema as Relay tooling reads it (issue #27): graphql-eslint's Relay
 * rules (relay-connection-types, relay-edge-types, relay-page-info,
 * relay-arguments) pass on the printed schema, and the nodes of every edge
 * are Nodes: EntryRevision and WebhookDelivery have global IDs that node()
 * fetches again, for whoever may see them.
 */
import { readFileSync } from 'node:fs';
import graphqlEslint from '@graphql-eslint/eslint-plugin';
import { Linter } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

/**
 * relay-edge-types' `listTypeCanWrapOnlyEdgeType` would refuse every list that is not a list of edges (an entry's
 * people, a person's aliases, a connection's `nodes` shortcut): a house style Relay itself does not ask for.
 */
const RELAY_RULES: Linter.RulesRecord = {
  '@graphql-eslint/relay-connection-types': 'error',
  '@graphql-eslint/relay-edge-types': ['error', { withEdgeSuffix: true, shouldImplementNode: true, listTypeCanWrapOnlyEdgeType: false }],
  '@graphql-eslint/relay-page-info': 'error',
  '@graphql-eslint/relay-arguments': ['error', { includeBoth: true }],
};

function lintSchema(sdl: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    sdl,
    [
      {
        files: ['**/*.graphql'],
        languageOptions: { parser: graphqlEslint.parser, parserOptions: { graphQLConfig: { schema: sdl } } },
        plugins: { '@graphql-eslint': graphqlEslint as unknown as NonNullable<Linter.Config['plugins']>[string] },
        rules: RELAY_RULES,
      },
    ],
    'schema.graphql',
  );
  return messages.map((m) => `${m.ruleId ?? 'parser'} line ${m.line}: ${m.message}`);
}

describe('graphql-eslint\'s Relay rules', () => {
  it('pass on the printed schema', () => {
    expect(lintSchema(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8'))).toEqual([]);
  });

  it('do flag an edge whose node is not a Node (the rules can fail)', () => {
    const sdl = `
      interface Node { id: ID! }
      type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
      type Revision { text: String! }
      type RevisionEdge { cursor: String! node: Revision! }
      type RevisionConnection { edges: [RevisionEdge!]! pageInfo: PageInfo! }
      type Query { node(id: ID!): Node revisions(first: Int, after: String, last: Int, before: String): RevisionConnection! }`;
    expect(lintSchema(sdl)).toEqual([expect.stringContaining("Edge type's field `node` must implement `Node` interface")]);
  });
});

describe('every edge\'s node is a Node', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WEBHOOK_DELIVERY: 'false', WEBHOOK_ALLOWED_TARGETS: '127.0.0.1:9' });
  });
  afterAll(() => server?.stop());

  it('EntryRevision: node(id:) fetches a revision again, and a reader never a draft\'s', async () => {
    const story = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    const created = await server.edit<{ createEntry: { entry: { id: string } } }>('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', {
      input: { story, headline: 'Revisioni', body: 'Prima versione.' },
    });
    const entry = created.data!.createEntry.entry.id;
    await server.edit('mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }', { input: { id: entry, body: 'Seconda versione.', correctionNote: 'Corretto.' } });
    const listed = await server.gql<{ node: { revisions: { edges: { node: { id: string; revision: number; body: string } }[] } } }>(
      `{ node(id: "${entry}") { ... on Entry { revisions { edges { node { id revision body } } } } } }`,
    );
    const revisions = listed.data!.node.revisions.edges.map((e) => e.node);
    expect(revisions.map((r) => r.revision)).toEqual([2, 1]);
    const ids = revisions.map((r) => r.id);
    expect(ids.map((id) => Buffer.from(id, 'base64').toString())).toEqual([expect.stringMatching(/^EntryRevision:\d+$/), expect.stringMatching(/^EntryRevision:\d+$/)]);
    const again = await server.gql<{ nodes: { __typename: string; id: string; revision: number; body: string; correctionNote: string | null }[] }>(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on EntryRevision { revision body correctionNote } } }`,
      { ids },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data!.nodes).toEqual([
      { __typename: 'EntryRevision', id: ids[0], revision: 2, body: 'Seconda versione.', correctionNote: 'Corretto.' },
      { __typename: 'EntryRevision', id: ids[1], revision: 1, body: 'Prima versione.', correctionNote: null },
    ]);

    const draft = await server.edit<{ createEntry: { entry: { revisions: { edges: { node: { id: string } }[] } } } }>(
      'mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { revisions { edges { node { id } } } } } }',
      { input: { story, headline: 'Bozza', body: 'Non pubblicata.', publish: false } },
    );
    const draftRevision = draft.data!.createEntry.entry.revisions.edges[0]!.node.id;
    expect((await server.gql<{ node: unknown }>(`{ node(id: "${draftRevision}") { id } }`)).data!.node).toBeNull();
    expect((await server.edit<{ node: { id: string } }>(`{ node(id: "${draftRevision}") { id } }`)).data!.node).toEqual({ id: draftRevision });
  });

  it('WebhookDelivery: node(id:) fetches a delivery again, for admins only', async () => {
    const admin = { authorization: `Bearer ${await server.token('admin')}` };
    const story = (await server.gql<{ story: { id: string } }>(`{ story(slug: "${demoStory.slug}") { id } }`)).data!.story.id;
    const hook = await server.gql<{ createWebhook: { webhook: { id: string } } }>(
      'mutation ($story: ID!) { createWebhook(input: { url: "http://127.0.0.1:9/hook", story: $story, events: [PUBLISHED] }) { webhook { id } } }',
      { story },
      admin,
    );
    expect(hook.errors).toBeUndefined();
    await server.edit('mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }', { input: { story, headline: 'Per il webhook', body: 'Testo.' } });
    const listed = await server.gql<{ node: { deliveries: { edges: { node: { id: string; deliveryId: string } }[] } } }>(
      `{ node(id: "${hook.data!.createWebhook.webhook.id}") { ... on Webhook { deliveries { edges { node { id deliveryId } } } } } }`,
      undefined,
      admin,
    );
    const [delivery] = listed.data!.node.deliveries.edges.map((e) => e.node);
    expect(Buffer.from(delivery!.id, 'base64').toString()).toMatch(/^WebhookDelivery:\d+$/);
    const again = await server.gql<{ node: { id: string; deliveryId: string; kind: string; delivered: boolean } }>(
      `{ node(id: "${delivery!.id}") { id ... on WebhookDelivery { deliveryId kind delivered } } }`,
      undefined,
      admin,
    );
    expect(again.data!.node).toEqual({ id: delivery!.id, deliveryId: delivery!.deliveryId, kind: 'PUBLISHED', delivered: false });
    expect((await server.edit<{ node: unknown }>(`{ node(id: "${delivery!.id}") { id } }`)).data!.node).toBeNull();
    expect((await server.gql<{ node: unknown }>(`{ node(id: "${delivery!.id}") { id } }`)).data!.node).toBeNull();
  });
});
