import { graphql, useFragment } from 'react-relay';
import type { QuoteBlock_quote$key } from './__generated__/QuoteBlock_quote.graphql';
import SpeakerCard from './SpeakerCard';

export default function QuoteBlock({ quote }: { quote: QuoteBlock_quote$key }) {
  const data = useFragment(
    graphql`
      fragment QuoteBlock_quote on Quote {
        text
        source
        attribution
        speaker {
          ...SpeakerCard_person
        }
      }
    `,
    quote,
  );
  return (
    <blockquote>
      «{data.text}» {data.speaker ? <SpeakerCard person={data.speaker} /> : data.attribution}
      {data.source ? ` (${data.source})` : null}
    </blockquote>
  );
}
