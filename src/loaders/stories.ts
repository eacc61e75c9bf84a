import { type SQL, and, eq, inArray, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Access } from '../access.js';
import { type StoryRow, type StoryStatus, entries, entryPeople, entryPlaces, quotes, stories } from '../db/schema.js';
import { quoteVisible, entryContentVisible, storyVisible, visibilityKey } from '../db/visibility.js';
import { anyOfPlaceholder, prepared } from '../db/prepared.js';
import { type Connection, type Page, type SortKey, afterCursor, orderFor, toConnection } from './keyset.js';

export async function storiesByIds(access: Access, ids: readonly number[]): Promise<StoryRow[]> {
  return prepared(access.db, `storiesByIds:${visibilityKey(access.viewer)}`, () =>
    access.db
      .select()
      .from(stories)
      .where(and(anyOfPlaceholder(stories.id), storyVisible(access.viewer))),
  ).execute({ ids });
}

export async function storyBySlug(access: Access, slug: string): Promise<StoryRow | undefined> {
  const [row] = await prepared(access.db, `storyBySlug:${visibilityKey(access.viewer)}`, () =>
    access.db
      .select()
      .from(stories)
      .where(and(eq(stories.slug, sql.placeholder('slug')), storyVisible(access.viewer))),
  ).execute({ slug });
  return row;
}

/** Most recently updated first. */
export const storyOrder: SortKey[] = [
  // As stories_updated_idx and stories_status_updated_idx (… updated_at DESC NULLS LAST, id DESC NULLS LAST).
  { expr: stories.updatedAt, direction: 'desc', kind: 'date', nulls: 'last' },
  { expr: stories.id, direction: 'desc', kind: 'int', nulls: 'last' },
];

export async function storiesPage(access: Access, page: Page, filter: { statuses: StoryStatus[] | null }): Promise<Connection<StoryRow>> {
  const rows = await access.db
    .select()
    .from(stories)
    .where(
      and(
        storyVisible(access.viewer),
        filter.statuses ? inArray(stories.status, filter.statuses) : undefined,
        afterCursor(storyOrder, page),
      ),
    )
    .orderBy(orderFor(storyOrder, page))
    .limit(page.limit + 1);
  return toConnection(rows, page, (s) => [s.updatedAt, s.id]);
}

export interface StoryCounts {
  storyId: number;
  entries: number;
  keyEvents: number;
  quotes: number;
  people: number;
  places: number;
}

/** Every count of many stories in one statement. */
export async function storyCounts(access: Access, storyIds: readonly number[]): Promise<StoryCounts[]> {
  const visible = entryContentVisible(access.viewer) ?? sql`true`;
  const perStory = sql`${entries.storyId} = ${stories.id} and ${visible}`;
  // Each subquery is its own SQL object: drizzle strips table names from
  // columns written directly in a single-table select's fields, which would
  // make "id" ambiguous inside these joins.
  const scalar = (inner: SQL) => sql<number>`${inner}`.mapWith(Number);
  return access.db
    .select({
      storyId: stories.id,
      entries: scalar(sql`(select count(*) from ${entries} where ${perStory})`),
      keyEvents: scalar(sql`(select count(*) from ${entries} where ${perStory} and ${entries.keyEvent})`),
      quotes: scalar(sql`(select count(*) from ${quotes} join ${entries} on ${entries.id} = ${quotes.entryId} where ${perStory} and ${quoteVisible(access.viewer)})`),
      people: scalar(sql`(select count(distinct ${entryPeople.personId}) from ${entryPeople} join ${entries} on ${entries.id} = ${entryPeople.entryId} where ${perStory})`),
      places: scalar(sql`(select count(distinct ${entryPlaces.placeId}) from ${entryPlaces} join ${entries} on ${entries.id} = ${entryPlaces.entryId} where ${perStory})`),
    })
    .from(stories)
    .where(anyOf(stories.id, storyIds));
}
