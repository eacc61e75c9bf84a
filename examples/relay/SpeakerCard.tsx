import { graphql, useFragment } from 'react-relay';
import type { SpeakerCard_person$key } from './__generated__/SpeakerCard_person.graphql';

/** Who said it, and what else they said lately: a hover card. */
export default function SpeakerCard({ person }: { person: SpeakerCard_person$key }) {
  const data = useFragment(
    graphql`
      fragment SpeakerCard_person on Person {
        name
        description
        quotes(first: 2) {
          edges {
            node {
              id
              text
            }
          }
        }
      }
    `,
    person,
  );
  return (
    <cite title={data.quotes.edges.map((e) => e.node.text).join(' · ')}>
      {data.name}
      {data.description ? `, ${data.description}` : null}
    </cite>
  );
}
