import { graphql, useFragment } from 'react-relay';
import type { EntryQuotes_entry$key } from './__generated__/EntryQuotes_entry.graphql';
import QuoteBlock from './QuoteBlock';

export default function EntryQuotes({ entry }: { entry: EntryQuotes_entry$key }) {
  const data = useFragment(
    graphql`
      fragment EntryQuotes_entry on Entry {
        quotes {
          id
          ...QuoteBlock_quote
        }
      }
    `,
    entry,
  );
  return <>{data.quotes.map((quote) => <QuoteBlock key={quote.id} quote={quote} />)}</>;
}
