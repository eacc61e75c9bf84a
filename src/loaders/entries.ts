import { and, eq, lte, sql } from 'drizzle-orm';
import { type Entry, entryColumns } from '../db/columns.js';
import type { Access } from '../access.js';
import { type MentionTarget, type MentionableKind, mentionable, mentions } from '../db/mentionables.js';
import { anyOfPlaceholder, prepared } from '../db/prepared.js';
import { entries } from '../db/schema.js';
import { entryContentVisible, entryInFeed, visibilityKey } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, fieldsOf, orderFor, pagePosition, parentId, parentKeys, placeholderPage, rowNumber, toConnections } from './keyset.js';

export async function entriesByIds(access: Access, ids: readonly number[]): Promise<Entry[]> {
  return prepared(access.db, `entriesByIds:${visibilityKey(access.viewer)}`, () =>
    access.db
      .select(entryColumns)
      .from(entries)
      .where(and(anyOfPlaceholder(entries.id), entryInFeed(access.viewer))),
  ).execute({ ids });
}

export async function pinnedEntries(access: Access, storyIds: readonly number[]): Promise<Entry[]> {
  return prepared(access.db, `pinnedEntries:${visibilityKey(access.viewer)}`, () =>
    access.db
      .select(entryColumns)
      .from(entries)
      .where(and(anyOfPlaceholder(entries.storyId), eq(entries.pinned, true), entryInFeed(access.viewer))),
  ).execute({ ids: storyIds });
}

// entries_story_sort_idx (story_id, sort_at DESC NULLS LAST, id DESC NULLS LAST), read forwards or backwards.
export const newestFirst: SortKey[] = [
  { expr: entries.sortAt, direction: 'desc', kind: 'date', nulls: 'last' },
  { expr: entries.id, direction: 'desc', kind: 'int', nulls: 'last' },
];
export const oldestFirst: SortKey[] = [
  { expr: entries.sortAt, direction: 'asc', kind: 'date', nulls: 'first' },
  { expr: entries.id, direction: 'asc', kind: 'int', nulls: 'first' },
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
  const { page: shaped, shape, values } = placeholderPage(page);
  const mentioning = filter.mentioning ? { typename: filter.mentioning.typename, id: sql.placeholder('target') } : null;
  const query = prepared(access.db, `storyEntryPages:${visibilityKey(access.viewer)}:${filter.order}:${filter.keyEventsOnly}:${mentioning?.typename ?? ''}:${shape}`, () => {
    // A filter narrows the feed to entries whose content counts (no tombstones for readers):
    // key events list what counts.keyEvents counts.
    const visible = mentioning || filter.keyEventsOnly ? entryContentVisible(access.viewer) : entryInFeed(access.viewer);
    // Each story's page walks entries_story_sort_idx (or its key-event twin) and stops after the page (see parentKeys).
    const ranked = access.db
      .select({ ...entryColumns, rn: pagePosition(keys, shaped).as('rn') })
      .from(entries)
      .where(
        and(
          eq(entries.storyId, parentId),
          visible,
          filter.keyEventsOnly ? eq(entries.keyEvent, true) : undefined,
          mentioning ? mentions(mentioning) : undefined,
          afterCursor(keys, shaped),
        ),
      )
      .orderBy(orderFor(keys, shaped))
      .limit(sql.placeholder('limit'))
      .as('ranked');
    return access.db.select(fieldsOf(ranked, entryColumns)).from(parentKeys).crossJoinLateral(ranked).orderBy(ranked.storyId, ranked.rn);
  });
  const rows = await query.execute({ ...values, ids: storyIds, target: filter.mentioning?.id });
  return toConnections(storyIds, rows, (e) => e.storyId, page, entrySortValues);
}

/** One page of the entries that mention each person (or place), newest first, in one statement. */
export async function mentioningEntryPages(
  access: Access,
  kind: MentionableKind,
  ids: readonly number[],
  page: Page,
): Promise<Connection<Entry>[]> {
  const { page: shaped, shape, values } = placeholderPage(page);
  const query = prepared(access.db, `mentioningEntryPages:${visibilityKey(access.viewer)}:${kind}:${shape}`, () => {
    const { link, targetId } = mentionable(kind);
    const ranked = access.db
      .select({ ...entryColumns, mentionedId: sql<number>`${targetId}`.as('mentioned_id'), rn: rowNumber(targetId, newestFirst, shaped).as('rn') })
      .from(link)
      .innerJoin(entries, eq(entries.id, link.entryId))
      .where(and(anyOfPlaceholder(targetId), entryContentVisible(access.viewer), afterCursor(newestFirst, shaped)))
      .as('ranked');
    return access.db.select().from(ranked).where(lte(ranked.rn, sql.placeholder('limit'))).orderBy(ranked.mentionedId, ranked.rn);
  });
  const rows = await query.execute({ ...values, ids });
  return toConnections(ids, rows, (e) => e.mentionedId, page, entrySortValues);
}
