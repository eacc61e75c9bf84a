/** What only people have: the stories that mention each of them (the rest is in ./mentionables.ts). */
import { and, count, eq, lte, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { anyOf } from '../db/any-of.js';
import { storyColumns } from '../db/columns.js';
import { type StoryRow, entries, entryPeople, stories } from '../db/schema.js';
import { entryContentVisible, storyVisible } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, rowNumber, toConnections } from './keyset.js';

export type PersonStory = StoryRow & { lastMentionedAt: Date; mentions: number };

export const personStoryOrder: SortKey[] = [
  { expr: sql`max(${entries.sortAt})`, direction: 'desc', kind: 'date' },
  { expr: stories.id, direction: 'desc', kind: 'int' },
];

/** Stories that mention each person, most recent mention first. */
export async function personStoryPages(access: Access, personIds: readonly number[], page: Page): Promise<Connection<PersonStory & { personId: number }>[]> {
  const ranked = access.db
    .select({
      ...storyColumns,
      personId: sql<number>`${entryPeople.personId}`.as('person_id'),
      lastMentionedAt: sql<Date>`max(${entries.sortAt})`.mapWith(entries.sortAt).as('last_mentioned_at'),
      mentions: count().as('mentions'),
      rn: rowNumber(entryPeople.personId, personStoryOrder, page).as('rn'),
    })
    .from(entryPeople)
    .innerJoin(entries, eq(entries.id, entryPeople.entryId))
    .innerJoin(stories, eq(stories.id, entries.storyId))
    .where(and(anyOf(entryPeople.personId, personIds), entryContentVisible(access.viewer), storyVisible(access.viewer)))
    .groupBy(entryPeople.personId, stories.id)
    .having(afterCursor(personStoryOrder, page))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.personId, ranked.rn);
  return toConnections(personIds, rows, (r) => r.personId, page, (r) => [r.lastMentionedAt, r.id]);
}
