import { graphql, useFragment } from 'react-relay';
import type { StoryHeader_story$key } from './__generated__/StoryHeader_story.graphql';

export default function StoryHeader({ story }: { story: StoryHeader_story$key }) {
  const data = useFragment(
    graphql`
      fragment StoryHeader_story on Story {
        title
        summary
        status
        image { url alt credit }
      }
    `,
    story,
  );
  return (
    <header>
      <p>{data.status === 'LIVE' ? 'Live' : data.status.toLowerCase()}</p>
      <h1>{data.title}</h1>
      {data.summary ? <p>{data.summary}</p> : null}
      {data.image ? <img src={data.image.url} alt={data.image.alt} /> : null}
    </header>
  );
}
