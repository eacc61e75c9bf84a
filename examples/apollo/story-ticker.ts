/**
 * A live ticker with Apollo Client 4: the story page as a watched query,
 * its entries paginated Relay-style in the cache (`relayStylePagination`),
 * and a subscription over graphql-ws (GraphQLWsLink) that prepends each
 * newly published entry to the cached page, so the watched query shows it.
 *
 *   npx tsx examples/apollo/story-ticker.ts [slug]     # DIRETTA_URL (default http://localhost:4000)
 *
 * Scalars: DateTime arrives as an ISO 8601 string, JSON as any JSON value
 * (with GraphQL Code Generator: `scalars: { DateTime: 'string', JSON: 'unknown' }`).
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql, type TypedDocumentNode } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface TickerEntry {
  __typename: 'Entry';
  id: string;
  headline: string;
  body: string | null;
  /** DateTime: an ISO 8601 string. */
  publishedAt: string | null;
  author: string | null;
  quotes: { __typename: 'Quote'; id: string; text: string; speaker: { __typename: 'Person'; id: string; name: string } | null }[];
}

export interface StoryPageData {
  story: {
    __typename: 'Story';
    id: string;
    title: string;
    status: string;
    entries: {
      __typename: 'EntryConnection';
      edges: { __typename: 'EntryEdge'; cursor: string; node: TickerEntry }[];
      pageInfo: { __typename: 'PageInfo'; hasNextPage: boolean; endCursor: string | null };
    };
  } | null;
}

const ENTRY_FIELDS = gql`
  fragment TickerEntryFields on Entry {
    id
    headline
    body
    publishedAt
    author
    quotes { id text speaker { id name } }
  }
`;

export const STORY_PAGE: TypedDocumentNode<StoryPageData, { slug: string; first: number; after?: string | null }> = gql`
  query ApolloStoryPage($slug: String!, $first: Int!, $after: String) {
    story(slug: $slug) {
      id
      title
      status
      entries(first: $first, after: $after) {
        edges { cursor node { ...TickerEntryFields } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
  ${ENTRY_FIELDS}
`;

export const NEW_ENTRIES: TypedDocumentNode<{ entryPublished: TickerEntry }, { story: string }> = gql`
  subscription ApolloNewEntries($story: ID!) {
    entryPublished(story: $story) { ...TickerEntryFields }
  }
  ${ENTRY_FIELDS}
`;

export function createApolloClient(url = 'http://localhost:4000/graphql', token?: string): ApolloClient {
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  const http = new HttpLink({ uri: url, headers });
  const sockets = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: headers ?? {} });
  const isSubscription = (operation: ApolloLink.Operation) => {
    const definition = getMainDefinition(operation.query);
    return definition.kind === 'OperationDefinition' && definition.operation === OperationTypeNode.SUBSCRIPTION;
  };
  return new ApolloClient({
    link: ApolloLink.split(isSubscription, new GraphQLWsLink(sockets), http),
    cache: new InMemoryCache({
      typePolicies: {
        // One cached list per filter combination; pages after a cursor are appended to it.
        Story: { fields: { entries: relayStylePagination(['order', 'keyEventsOnly', 'mentioning']) } },
      },
    }),
  });
}

/**
 * Watches a story's page and keeps it live: `onPage` is called with every
 * version of the page, first as loaded, then with each published entry on top.
 */
export async function followStory(client: ApolloClient, slug: string, onPage: (page: StoryPageData) => void, first = 20): Promise<() => void> {
  const variables = { slug, first };
  const watched = client.watchQuery({ query: STORY_PAGE, variables }).subscribe({
    next: ({ data }) => {
      if (data?.story) onPage(data as StoryPageData);
    },
  });
  const { data } = await client.query({ query: STORY_PAGE, variables });
  const storyId = data?.story?.id;
  if (!storyId) throw new Error(`No story "${slug}"`);
  const live = client.subscribe({ query: NEW_ENTRIES, variables: { story: storyId } }).subscribe({
    next: ({ data: event }) => {
      const entry = event?.entryPublished;
      if (!entry) return;
      client.cache.updateQuery({ query: STORY_PAGE, variables }, (page) => {
        if (!page?.story || page.story.entries.edges.some((e) => e.node.id === entry.id)) return page;
        // The new entry goes on top. Its connection cursor is not known (the event carries the entry): older pages
        // are fetched after the last edge's cursor, so the top edge's is never used.
        const edge = { __typename: 'EntryEdge' as const, cursor: '', node: entry };
        return { story: { ...page.story, entries: { ...page.story.entries, edges: [edge, ...page.story.entries.edges] } } };
      });
    },
  });
  return () => {
    live.unsubscribe();
    watched.unsubscribe();
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = process.env.DIRETTA_URL ?? 'http://localhost:4000';
  const client = createApolloClient(`${base}/graphql`, process.env.DIRETTA_TOKEN);
  let shown = new Set<string>();
  await followStory(client, process.argv[2] ?? 'ucraina-russia-negoziati-miami-2025-12-23', (page) => {
    const edges = page.story?.entries.edges ?? [];
    for (const { node } of [...edges].reverse()) if (!shown.has(node.id)) console.log(`${node.publishedAt ?? ''}  ${node.headline}`);
    shown = new Set(edges.map((e) => e.node.id));
  });
}
