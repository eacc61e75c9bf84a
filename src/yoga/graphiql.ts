import { demoStory } from '../seed/demo-story.js';

/** What GraphiQL opens on: the demo story with its entries, people, places and quotes. */
export const graphiqlDefaultQuery = `# Welcome to Diretta: the story graph of a live blog.
# Press ▶ to run this query on the demo story; open the docs (top left) to explore.

query DemoStory {
  story(slug: "${demoStory.slug}") {
    title
    summary
    status
    counts { entries keyEvents quotes people places }
    pinnedEntry { headline publishedAt }
    entries(first: 10) {
      edges {
        cursor
        node {
          publishedAt
          headline
          body
          keyEvent
          people { name description }
          places { name kind parent { name } }
          quotes { text source speaker { name } attribution }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
    people(first: 5) { edges { mentions node { name description } } }
  }
}
`;
