/**
 * The three read operations, written once for Diretta and once for
 * PostGraphile so that both return the same data: the same rows, in the
 * same order, with the same fields (PostGraphile's names differ; Diretta also
 * applies its visibility rules, which the benchmark data never trips: it has
 * no drafts).
 */
/** The read operations' names, in the order they are run (and picked by --operations). */
export const READ_OPERATION_NAMES = ['story page', 'person page', 'search'] as const;

export interface ReadOperation {
  name: (typeof READ_OPERATION_NAMES)[number];
  diretta: string;
  postgraphile: string;
  /** Variables for request i (the load rotates over them). */
  variables: (i: number) => Record<string, unknown>;
}

export interface ReadTargets {
  /** Slugs of the stories to read. */
  stories: string[];
  /** Slugs of people with at least 50 quotes. */
  people: string[];
  /** Search terms with matches. */
  terms: string[];
}

export function readOperations(targets: ReadTargets): ReadOperation[] {
  const at = <T>(list: T[], i: number) => list[i % list.length]!;
  return [
    {
      name: 'story page',
      diretta: `query StoryPage($slug: String!) {
  story(slug: $slug) {
    title summary status
    entries(first: 20) { edges { node {
      id headline body publishedAt keyEvent
      people { id name description }
      places { id name kind }
      quotes { text source speaker { name } }
    } } }
  }
}`,
      postgraphile: `query StoryPage($slug: String!) {
  allStories(condition: { slug: $slug }, first: 1) { nodes {
    title summary status
    entriesByStoryId(first: 20, orderBy: [SORT_AT_DESC, ROW_ID_DESC]) { nodes {
      id headline body publishedAt keyEvent
      entryPeopleByEntryId(orderBy: PERSON_ID_ASC) { nodes { personByPersonId { id name description } } }
      entryPlacesByEntryId(orderBy: PLACE_ID_ASC) { nodes { placeByPlaceId { id name kind } } }
      quotesByEntryId(orderBy: ROW_ID_ASC) { nodes { text source personBySpeakerId { name } } }
    } }
  } }
}`,
      variables: (i) => ({ slug: at(targets.stories, i) }),
    },
    {
      name: 'person page',
      diretta: `query PersonPage($slug: String!) {
  person(slug: $slug) {
    name description
    quotes(first: 50) { edges { node {
      text source createdAt
      entry { headline publishedAt }
      story { title }
    } } }
  }
}`,
      postgraphile: `query PersonPage($slug: String!) {
  allPeople(condition: { slug: $slug }, first: 1) { nodes {
    name description
    quotesBySpeakerId(first: 50, orderBy: [CREATED_AT_DESC, ROW_ID_ASC]) { nodes {
      text source createdAt
      entryByEntryId { headline publishedAt storyByStoryId { title } }
    } }
  } }
}`,
      variables: (i) => ({ slug: at(targets.people, i) }),
    },
    {
      name: 'search',
      diretta: `query Search($q: String!) {
  search(query: $q, first: 20) { edges { node { id headline story { title } } } }
}`,
      postgraphile: `query Search($q: String!) {
  postgraphileBenchSearchEntries(query: $q, first: 20) { nodes { id headline storyByStoryId { title } } }
}`,
      variables: (i) => ({ q: at(targets.terms, i) }),
    },
  ];
}
