/**
 * A story page written the Relay way: one fragment per component. The query
 * asks only for what StoryPage itself needs and spreads its children's
 * fragments; relay-compiler assembles the document the server receives.
 */
import { Suspense } from 'react';
import { graphql, useLazyLoadQuery } from 'react-relay';
import type { StoryPageQuery } from './__generated__/StoryPageQuery.graphql';
import EntryList from './EntryList';
import StoryHeader from './StoryHeader';

export default function StoryPage({ slug }: { slug: string }) {
  const data = useLazyLoadQuery<StoryPageQuery>(
    graphql`
      query StoryPageQuery($slug: String!) {
        story(slug: $slug) {
          id
          ...StoryHeader_story
          ...EntryList_story
        }
      }
    `,
    { slug },
  );
  if (!data.story) return <p>There is no such story.</p>;
  return (
    <article>
      <StoryHeader story={data.story} />
      <Suspense fallback={<p>Loading…</p>}>
        <EntryList story={data.story} />
      </Suspense>
    </article>
  );
}
