import { graphql, useFragment } from 'react-relay';
import type { EntryCorrections_entry$key } from './__generated__/EntryCorrections_entry.graphql';

export default function EntryCorrections({ entry }: { entry: EntryCorrections_entry$key }) {
  const data = useFragment(
    graphql`
      fragment EntryCorrections_entry on Entry {
        revisions(first: 5, correctionsOnly: true) {
          edges {
            node {
              id
              revision
              revisedAt
              correctionNote
            }
          }
        }
      }
    `,
    entry,
  );
  if (data.revisions.edges.length === 0) return null;
  return (
    <ul>
      {data.revisions.edges.map(({ node }) => (
        <li key={node.id}>
          Corrected ({new Date(node.revisedAt).toLocaleString()}): {node.correctionNote}
        </li>
      ))}
    </ul>
  );
}
