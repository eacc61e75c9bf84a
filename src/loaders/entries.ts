import { type SQL, and, eq, getTableColumns, lte, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Context } from '../context.js';
import { type EntryRow, entries, entryPeople, entryPlaces } from '../db/schema.js';
import { entryContentVisible, entryInFeed } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, rowNumber, toConnections } from './pages.js';

// The search columns stay in the database: no resolver needs them.
const { searchVector: _v, searchConfig: _c, ...entryColumns } = getTableColumns(entries);
export { entryColumns };

export type Entry = Omit<EntryRow, 'searchVector' | 'searchConfig'>;

export async function entriesByIds(ctx: Context, ids: readonly number[]): Promise<Entry[]> {
  return ctx.db
    .select(entryColumns)
    .from(entries)
    .where(and(anyOf(entries.id, ids), entryInFeed(ctx.viewer)));
}

export async function pinnedEntries(ctx: Context, storyIds: readonly number[]): Promise<Entry[]> {
  return ctx.db
    .select(entryColumns)
    .from(entries)
    .where(and(anyOf(entries.storyId, storyIds), eq(entries.pinned, true), entryInFeed(ctx.viewer)));
}

export const newestFirst: SortKey[] = [
  { expr: entries.sortAt, direction: 'desc', kind: 'date' },
  { expr: entries.id, direction: 'desc', kind: 'int' },
];
export const oldestFirst: SortKey[] = [
  { expr: entries.sortAt, direction: 'asc', kind: 'date' },
  { expr: entries.id, direction: 'asc', kind: 'int' },
];
const entrySortValues = (e: Entry) => [e.sortAt, e.id];

export interface StoryEntriesFilter {
  order: 'NEWEST_FIRST' | 'OLDEST_FIRST';
  keyEventsOnly: boolean;
  mentioning: { typename: 'Person' | 'Place'; id: number } | null;
}

function mentions(mentioning: StoryEntriesFilter['mentioning']): SQL | undefined {
  if (!mentioning) return undefined;
  return mentioning.typename === 'Person'
    ? sql`exists (select 1 from ${entryPeople} where ${entryPeople.entryId} = ${entries.id} and ${entryPeople.personId} = ${mentioning.id})`
    : sql`exists (select 1 from ${entryPlaces} where ${entryPlaces.entryId} = ${entries.id} and ${entryPlaces.placeId} = ${mentioning.id})`;
}

/** One page of entries for each story, in one statement. */
export async function storyEntryPages(
  ctx: Context,
  storyIds: readonly number[],
  page: Page,
  filter: StoryEntriesFilter,
): Promise<Connection<Entry>[]> {
  const keys = filter.order === 'OLDEST_FIRST' ? oldestFirst : newestFirst;
  // A filter narrows the feed to entries whose content counts (no tombstones for readers).
  const visible = filter.mentioning ? entryContentVisible(ctx.viewer) : entryInFeed(ctx.viewer);
  const ranked = ctx.db
    .select({ ...entryColumns, rn: rowNumber(entries.storyId, keys, page).as('rn') })
    .from(entries)
    .where(
      and(
        anyOf(entries.storyId, storyIds),
        visible,
        filter.keyEventsOnly ? eq(entries.keyEvent, true) : undefined,
        mentions(filter.mentioning),
        afterCursor(keys, page),
      ),
    )
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.storyId, ranked.rn);
  return toConnections(storyIds, rows, (e) => e.storyId, page, entrySortValues);
}

/** One page of the entries that mention each person (or place), newest first, in one statement. */
export async function mentioningEntryPages(
  ctx: Context,
  kind: 'Person' | 'Place',
  ids: readonly number[],
  page: Page,
): Promise<Connection<Entry>[]> {
  const link = kind === 'Person' ? { table: entryPeople, key: entryPeople.personId } : { table: entryPlaces, key: entryPlaces.placeId };
  const ranked = ctx.db
    .select({ ...entryColumns, mentionedId: sql<number>`${link.key}`.as('mentioned_id'), rn: rowNumber(link.key, newestFirst, page).as('rn') })
    .from(link.table)
    .innerJoin(entries, eq(entries.id, link.table.entryId))
    .where(and(anyOf(link.key, ids), entryContentVisible(ctx.viewer), afterCursor(newestFirst, page)))
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.mentionedId, ranked.rn);
  return toConnections(ids, rows, (e) => e.mentionedId, page, entrySortValues);
}
