/**
 * The depth limit counts fields, not fragments (issue #27): a story page
 * written the Relay way, one fragment per component, is 10 levels of fields
 * deep and 16 with its fragments (the was 9 and 15); MAX_DEPTH (12) lets it through, as it lets
 * the same page written out in one piece. A query truly too deep is refused
 * naming its deepest path. test/examples.test.ts sends the Relay example's
 * compiled queries as well.
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepestPath } from '../src/plugins/depth.js';
import { demoStory } from '../src/seed/demo-story.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** One fragment per component, as relay-compiler prints a page: six fragments on its deepest path. */
const relayStylePage = `
query StoryPageQuery($slug: String!) {
  story(slug: $slug) { id ...StoryPage_story }
}
fragment StoryPage_story on Story { ...StoryHeader_story ...EntryList_story }
fragment StoryHeader_story on Story { title summary status }
fragment EntryList_story on Story {
  entries(first: 3) { edges { cursor node { id ...EntryCard_entry __typename } } pageInfo { endCursor hasNextPage } }
}
fragment EntryCard_entry on Entry { headline publishedAt ...EntryQuotes_entry ...EntryCorrections_entry }
fragment EntryQuotes_entry on Entry { quotes { id ...QuoteBlock_quote } }
fragment QuoteBlock_quote on Quote { text source speaker { id ...SpeakerCard_person } }
fragment SpeakerCard_person on Person { name description quotes(first: 2) { edges { node { id text } } } }
fragment EntryCorrections_entry on Entry { revisions(first: 5, correctionsOnly: true) { edges { node { revision correctionNote } } } }
`;

/** graphql-armor's count, which the server used before: one level per field and one per fragment spread or inline fragment. */
function countingFragments(document: string): number {
  const doc = parse(document);
  const fragments = new Map(doc.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d] as const] : [])));
  type Set = { selections: readonly { kind: string; selectionSet?: Set; name?: { value: string } }[] };
  const walk = (set: Set): number =>
    Math.max(
      0,
      ...set.selections.map((s) => {
        if (s.kind === 'FragmentSpread') return 1 + walk(fragments.get(s.name!.value)!.selectionSet as Set);
        return 1 + (s.selectionSet ? walk(s.selectionSet) : 0);
      }),
    );
  const operation = doc.definitions.find((d) => d.kind === 'OperationDefinition')!;
  return walk(operation.selectionSet as Set);
}

describe('depth counts fields, with fragments flattened', () => {
  it('measures the Relay-style page as 10 levels of fields (16 counting its fragments)', () => {
    const doc = parse(relayStylePage);
    const operation = doc.definitions.find((d) => d.kind === 'OperationDefinition')!;
    const fragments = new Map(doc.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d] as const] : [])));
    const found = deepestPath(operation.selectionSet, (name) => fragments.get(name));
    expect(found.depth).toBe(10);
    expect(found.path.join('.')).toBe('story.entries.edges.node.quotes.speaker.quotes.edges.node.id');
    expect(countingFragments(relayStylePage)).toBe(16);
  });

  it('answers the Relay-style page, fragments and all', async () => {
    const res = await server.gql<{ story: { id: string; title: string; entries: { edges: { node: { headline: string } }[] } } }>(relayStylePage, { slug: demoStory.slug });
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.data!.story.title).toBe(demoStory.title);
    expect(res.data!.story.entries.edges).toHaveLength(3);
  });

  it('refuses an operation truly too deep, naming its deepest path and pointing at its last field', async () => {
    // 14 levels of fields, hidden in two fragments.
    const query = `
      query TooDeep { story(slug: "${demoStory.slug}") { ...A } }
      fragment A on Story { entries(first: 1) { edges { node { story { ...B } } } } }
      fragment B on Story { entries(first: 1) { edges { node { quotes { speaker { quotes(first: 1) { edges { node { text } } } } } } } } }`;
    const res = await server.gql(query);
    expect(res.status).toBe(400);
    expect(res.errors).toHaveLength(1);
    const [error] = res.errors!;
    expect(error!.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth', max: 12, found: 14 });
    const path = ['story', 'entries', 'edges', 'node', 'story', 'entries', 'edges', 'node', 'quotes', 'speaker', 'quotes', 'edges', 'node', 'text'];
    expect(error!.extensions!.fieldPath).toEqual(path);
    const line = query.split('\n')[3]!;
    expect(error!.locations).toEqual([{ line: 4, column: line.lastIndexOf('text') + 1 }]);
    expect(error!.message).toBe(`The operation is nested 14 levels of fields deep (fragments not counted) at ${path.join('.')}; the limit is 12.`);
  });

  it('counts aliases by their response key, and a fragment spread many times costs one walk', () => {
    const spreads = Array.from({ length: 200 }, () => '...F').join(' ');
    const doc = parse(`{ s: story(slug: "x") { ${spreads} } } fragment F on Story { t: title }`);
    const operation = doc.definitions.find((d) => d.kind === 'OperationDefinition')!;
    const fragments = new Map(doc.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d] as const] : [])));
    let lookups = 0;
    const found = deepestPath(operation.selectionSet, (name) => (lookups++, fragments.get(name)));
    expect(found).toMatchObject({ depth: 2, path: ['s', 't'] });
    expect(lookups).toBe(1);
  });

  it('survives a fragment cycle (refused by validation, never looping)', async () => {
    const res = await server.gql('{ story(slug: "x") { ...A } } fragment A on Story { entries { edges { node { story { ...A } } } } }');
    expect(res.status).toBe(400);
    expect(res.errors!.some((e) => /Cannot spread fragment "A" within itself/.test(e.message))).toBe(true);
  });
});
