import { graphql, useFragment } from 'react-relay';
import type { EntryCard_entry$key } from './__generated__/EntryCard_entry.graphql';
import EntryCorrections from './EntryCorrections';
import EntryQuotes from './EntryQuotes';

export default function EntryCard({ entry }: { entry: EntryCard_entry$key }) {
  const data = useFragment(
    graphql`
      fragment EntryCard_entry on Entry {
        headline
        body
        status
        publishedAt
        author
        media { url alt caption credit width height }
        ...EntryQuotes_entry
        ...EntryCorrections_entry
      }
    `,
    entry,
  );
  if (data.status === 'RETRACTED') return <article><p>This update was withdrawn.</p></article>;
  return (
    <article>
      {/* DateTime is an ISO 8601 string: parse it where it is shown. */}
      <time dateTime={data.publishedAt ?? undefined}>{data.publishedAt ? new Date(data.publishedAt).toLocaleTimeString() : ''}</time>
      <h2>{data.headline}</h2>
      <p>{data.body}</p>
      {data.media.map((m) => <img key={m.url} src={m.url} alt={m.alt} width={m.width ?? undefined} height={m.height ?? undefined} />)}
      <EntryQuotes entry={data} />
      <EntryCorrections entry={data} />
      {data.author ? <p>{data.author}</p> : null}
    </article>
  );
}
