/**
 * The story's entries, newest first, paginated with Relay's connection
 * handling (`@connection`), and kept live by a subscription that prepends
 * each newly published entry to that connection (`@prependNode`).
 */
import { useMemo } from 'react';
import { graphql, usePaginationFragment, useSubscription } from 'react-relay';
import { ConnectionHandler, type GraphQLSubscriptionConfig } from 'relay-runtime';
import type { EntryListNewEntriesSubscription } from './__generated__/EntryListNewEntriesSubscription.graphql';
import type { EntryList_story$key } from './__generated__/EntryList_story.graphql';
import EntryCard from './EntryCard';

export default function EntryList({ story }: { story: EntryList_story$key }) {
  const { data, loadNext, hasNext, isLoadingNext } = usePaginationFragment(
    graphql`
      fragment EntryList_story on Story
      @refetchable(queryName: "EntryListPaginationQuery")
      @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }) {
        id
        entries(first: $first, after: $after) @connection(key: "EntryList_entries") {
          __id
          edges {
            node {
              id
              ...EntryCard_entry
            }
          }
        }
      }
    `,
    story,
  );

  const connection = ConnectionHandler.getConnectionID(data.id, 'EntryList_entries');
  const config = useMemo<GraphQLSubscriptionConfig<EntryListNewEntriesSubscription>>(
    () => ({
      subscription: graphql`
        subscription EntryListNewEntriesSubscription($story: ID!, $connections: [ID!]!) {
          entryPublished(story: $story) @prependNode(connections: $connections, edgeTypeName: "EntryEdge") {
            id
            ...EntryCard_entry
          }
        }
      `,
      variables: { story: data.id, connections: [connection] },
    }),
    [data.id, connection],
  );
  useSubscription(config);

  return (
    <section>
      {data.entries.edges.map((edge) => <EntryCard key={edge.node.id} entry={edge.node} />)}
      {hasNext ? (
        <button type="button" disabled={isLoadingNext} onClick={() => loadNext(20)}>
          Older entries
        </button>
      ) : null}
    </section>
  );
}
