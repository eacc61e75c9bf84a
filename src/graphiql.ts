/**
 * What GraphiQL opens on: the demo story with its entries, people, places
 * and quotes, and — when the demo story exists — a ready mutation that
 * publishes into it with the token printed at start-up.
 */
export function graphiqlDefaultQuery(demo: { slug: string; globalId: string | null }): string {
  return demo.globalId ? `${readQuery(demo.slug)}\n${publishMutation(demo.slug, demo.globalId)}` : readQuery(demo.slug);
}

const readQuery = (slug: string) => `# Welcome to Diretta: the story graph of a live blog.
# Press ▶ to run this query on the demo story; open the docs (top left) to explore.

query DemoStory {
  story(slug: "${slug}") {
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
    people(first: 5) { edges { mentions node { id name description } } }
    eventCursor
  }
}
`;

const publishMutation = (slug: string, storyId: string) => `
# To publish: paste the editor token printed at start-up into Headers as
# {"Authorization": "Bearer <token>"}, choose PublishEntry with ▶, and watch
# the entry arrive on http://localhost:4000/live/${slug}
mutation PublishEntry {
  createEntry(input: {
    story: "${storyId}"
    headline: "Nuovo allarme aereo a Kiev"
    body: "Le sirene suonano di nuovo nella capitale ucraina."
    keyEvent: false
  }) {
    entry { id status publishedAt headline }
  }
}
`;
