import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entries, stories } from '../src/db/schema.js';
import { encodeGlobalId } from '../src/global-id.js';
import { insertSyntheticStory } from './helpers/fixtures.js';
import { type TestServer, startTestServer } from './helpers/server.js';

let server: TestServer;
let draftStoryId: number;
let liveStoryId: number;
let draftEntryId: number;
let retractedEntryId: number;

beforeAll(async () => {
  server = await startTestServer({ SEED_DEMO: 'false' });
  const db = server.app.database.db;
  draftStoryId = await insertSyntheticStory(db, { slug: 'secret-story', entries: 2, status: 'draft' });
  liveStoryId = await insertSyntheticStory(db, { slug: 'open-story', entries: 4 });
  const rows = await db.select({ id: entries.id }).from(entries).where(eq(entries.storyId, liveStoryId)).orderBy(entries.id);
  draftEntryId = rows[0]!.id;
  retractedEntryId = rows[1]!.id;
  await db.update(entries).set({ status: 'draft', publishedAt: null, headline: 'Embargoed draft' }).where(eq(entries.id, draftEntryId));
  await db.update(entries).set({ status: 'retracted' }).where(inArray(entries.id, [retractedEntryId]));
  await db.update(stories).set({ status: 'live' }).where(eq(stories.id, liveStoryId));
});
afterAll(async () => {
  await server?.stop();
});

describe('readers never see drafts', () => {
  it('hides a draft story everywhere', async () => {
    const res = await server.gql<{ stories: { edges: { node: { slug: string } }[] }; node: null; search: { edges: unknown[] } }>(
      `query ($id: ID!) { stories { edges { node { slug } } } node(id: $id) { id } search(query: "update") { edges { node { story { slug } } } } }`,
      { id: encodeGlobalId('Story', draftStoryId) },
    );
    expect(res.data!.stories.edges.map((e) => e.node.slug)).toEqual(['open-story']);
    expect(res.data!.node).toBeNull();
    expect(JSON.stringify(res.data!.search)).not.toContain('secret-story');
    const bySlug = await server.gql(`{ story(slug: "secret-story") { title } }`);
    expect(bySlug.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const person = await server.gql<{ person: { entries: { edges: unknown[] }; quotes: { edges: unknown[] }; stories: { edges: unknown[] } } }>(
      `{ person(slug: "secret-story-person-0") { entries { edges { cursor } } quotes { edges { cursor } } stories { edges { cursor } } } }`,
    );
    expect(person.data!.person).toEqual({ entries: { edges: [] }, quotes: { edges: [] }, stories: { edges: [] } });
  });

  it('hides a draft entry of a live story, and shows a retracted one as a tombstone', async () => {
    const res = await server.gql<{ story: { counts: { entries: number }; entries: { edges: { node: { id: string; status: string; body: string | null; people: unknown[]; quotes: unknown[] } }[] } }; draft: null; retracted: { status: string; body: null } }>(
      `query ($draft: ID!, $retracted: ID!) {
        story(slug: "open-story") { counts { entries } entries { edges { node { id status body people { name } quotes { text } } } } }
        draft: node(id: $draft) { id }
        retracted: node(id: $retracted) { ... on Entry { status body } }
      }`,
      { draft: encodeGlobalId('Entry', draftEntryId), retracted: encodeGlobalId('Entry', retractedEntryId) },
    );
    expect(res.errors).toBeUndefined();
    const feed = res.data!.story.entries.edges.map((e) => e.node);
    expect(feed).toHaveLength(3);
    expect(feed.map((e) => e.id)).not.toContain(encodeGlobalId('Entry', draftEntryId));
    const tombstone = feed.find((e) => e.id === encodeGlobalId('Entry', retractedEntryId))!;
    expect(tombstone).toMatchObject({ status: 'RETRACTED', body: null, people: [], quotes: [] });
    expect(res.data!.story.counts.entries).toBe(2);
    expect(res.data!.draft).toBeNull();
    expect(res.data!.retracted).toEqual({ status: 'RETRACTED', body: null });
    const search = await server.gql(`{ search(query: "Embargoed") { edges { cursor } } }`);
    expect(search.data).toEqual({ search: { edges: [] } });
  });
});
