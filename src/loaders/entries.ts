import { and, eq, lte, sql } from 'drizzle-orm';
import { type Entry, entryColumns } from '../db/columns.js';
import { anyOf } from '../db/any-of.js';
import type { Access } from '../access.js';
import { type MentionTarget, type MentionableKind, mentionable, mentions } from '../db/mentionables.js';
import { entries } from '../db/schema.js';
import { entryContentVisible, entryInFeed } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, rowNumber, toConnections } from './keyset.js';

export async function entriesByIds(access: Access, ids: readonly number[]): Promise<Entry[]> {
  return access.db
    .select(entryColumns)
    .from(entries)
    .where(and(anyOf(entries.id, ids), entryInFeed(access.viewer)));
}

export async function pinnedEntries(access: Access, storyIds: readonly number[]): Promise<Entry[]> {
  return access.db
    .select(entryColumns)
    .from(entries)
    .where(and(anyOf(entries.storyId, storyIds), eq(entries.pinned, true), entryInFeed(access.viewer)));
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
  mentioning: MentionTarget | null;
}

/** One page of entries for each story, in one statement. */
export async function storyEntryPages(
  access: Access,
  storyIds: readonly number[],
  page: Page,
  filter: StoryEntriesFilter,
): Promise<Connection<Entry>[]> {
  const keys = filter.order === 'OLDEST_FIRST' ? oldestFirst : newestFirst;
  // A filter narrows the feed to entries whose content counts (no tombstones for readers):
  // key events list what counts.keyEvents counts.
  const visible = filter.mentioning || filter.keyEventsOnly ? entryContentVisible(access.viewer) : entryInFeed(access.viewer);
  const ranked = access.db
    .select({ ...entryColumns, rn: rowNumber(entries.storyId, keys, page).as('rn') })
    .from(entries)
    .where(
      and(
        anyOf(entries.storyId, storyIds),
        visible,
        filter.keyEventsOnly ? eq(entries.keyEvent, true) : undefined,
        filter.mentioning ? mentions(filter.mentioning) : undefined,
        afterCursor(keys, page),
      ),
    )
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.storyId, ranked.rn);
  return toConnections(storyIds, rows, (e) => e.storyId, page, entrySortValues);
}

/** One page of the entries that mention each person (or place), newest first, in one statement. */
export async function mentioningEntryPages(
  access: Access,
  kind: MentionableKind,
  ids: readonly number[],
  page: Page,
): Promise<Connection<Entry>[]> {
  const { link, targetId } = mentionable(kind);
  const ranked = access.db
    .select({ ...entryColumns, mentionedId: sql<number>`${targetId}`.as('mentioned_id'), rn: rowNumber(targetId, newestFirst, page).as('rn') })
    .from(link)
    .innerJoin(entries, eq(entries.id, link.entryId))
    .where(and(anyOf(targetId, ids), entryContentVisible(access.viewer), afterCursor(newestFirst, page)))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.mentionedId, ranked.rn);
  return toConnections(ids, rows, (e) => e.mentionedId, page, entrySortValues);
}
