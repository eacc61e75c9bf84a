import { and, asc, count, eq, like, lte, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Context } from '../context.js';
import { type PersonRow, type StoryRow, entries, entryPeople, people, stories } from '../db/schema.js';
import { entryContentVisible, storyVisible } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, orderFor, groupRows, rowNumber, toConnection, toConnections } from './pages.js';

export async function peopleByIds(ctx: Context, ids: readonly number[]): Promise<PersonRow[]> {
  return ctx.db.select().from(people).where(anyOf(people.id, ids));
}

export async function personBySlug(ctx: Context, slug: string): Promise<PersonRow | undefined> {
  const [row] = await ctx.db.select().from(people).where(eq(people.slug, slug));
  return row;
}

/** Escapes LIKE's wildcards so that a prefix matches literally. */
export function likePrefix(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const personName = sql`lower(${people.name}) collate "C"`;
export const peopleOrder: SortKey[] = [
  { expr: personName, direction: 'asc', kind: 'string' },
  { expr: people.id, direction: 'asc', kind: 'int' },
];

export async function peoplePage(ctx: Context, page: Page, filter: { namePrefix: string | null }): Promise<Connection<PersonRow>> {
  const rows = await ctx.db
    .select()
    .from(people)
    .where(and(filter.namePrefix ? like(personName, likePrefix(filter.namePrefix)) : undefined, afterCursor(peopleOrder, page)))
    .orderBy(orderFor(peopleOrder, page))
    .limit(page.limit + 1);
  return toConnection(rows, page, (p) => [p.name.toLowerCase(), p.id]);
}

/** People mentioned by each entry (content visible to the viewer), in one statement. */
export async function entryPeopleLists(ctx: Context, entryIds: readonly number[]): Promise<PersonRow[][]> {
  const rows = await ctx.db
    .select({ entryId: entryPeople.entryId, person: people })
    .from(entryPeople)
    .innerJoin(entries, eq(entries.id, entryPeople.entryId))
    .innerJoin(people, eq(people.id, entryPeople.personId))
    .where(and(anyOf(entryPeople.entryId, entryIds), entryContentVisible(ctx.viewer)))
    .orderBy(asc(entryPeople.createdAt), asc(people.id));
  return groupRows(entryIds, rows, (r) => r.entryId).map((group) => group.map((r) => r.person));
}

export type RankedPerson = PersonRow & { mentions: number };

export const storyPeopleOrder: SortKey[] = [
  { expr: sql`count(*)`, direction: 'desc', kind: 'int' },
  { expr: people.id, direction: 'asc', kind: 'int' },
];

/** People of each story, most mentioned first, one page per story in one statement. */
export async function storyPeoplePages(ctx: Context, storyIds: readonly number[], page: Page): Promise<Connection<RankedPerson & { storyId: number }>[]> {
  const ranked = ctx.db
    .select({ ...peopleColumns(), storyId: sql<number>`${entries.storyId}`.as('story_id'), mentions: sql<number>`count(*)`.mapWith(Number).as('mentions'), rn: rowNumber(entries.storyId, storyPeopleOrder, page).as('rn') })
    .from(entryPeople)
    .innerJoin(entries, eq(entries.id, entryPeople.entryId))
    .innerJoin(people, eq(people.id, entryPeople.personId))
    .where(and(anyOf(entries.storyId, storyIds), entryContentVisible(ctx.viewer)))
    .groupBy(entries.storyId, people.id)
    .having(afterCursor(storyPeopleOrder, page))
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.storyId, ranked.rn);
  return toConnections(storyIds, rows, (r) => r.storyId, page, (r) => [r.mentions, r.id]);
}

function peopleColumns() {
  const { id, slug, name, aliases, description, wikidataId, createdAt, updatedAt } = people;
  return { id, slug, name, aliases, description, wikidataId, createdAt, updatedAt };
}

export type PersonStory = StoryRow & { lastMentionedAt: Date; mentions: number };

export const personStoryOrder: SortKey[] = [
  { expr: sql`max(${entries.sortAt})`, direction: 'desc', kind: 'date' },
  { expr: stories.id, direction: 'desc', kind: 'int' },
];

/** Stories that mention each person, most recent mention first. */
export async function personStoryPages(ctx: Context, personIds: readonly number[], page: Page): Promise<Connection<PersonStory & { personId: number }>[]> {
  const { id, slug, title, summary, language, searchConfig, status, coverageStartAt, coverageEndAt, lastEventSeq, createdAt, updatedAt } = stories;
  const ranked = ctx.db
    .select({
      id, slug, title, summary, language, searchConfig, status, coverageStartAt, coverageEndAt, lastEventSeq, createdAt, updatedAt,
      personId: sql<number>`${entryPeople.personId}`.as('person_id'),
      lastMentionedAt: sql<Date>`max(${entries.sortAt})`.mapWith(entries.sortAt).as('last_mentioned_at'),
      mentions: count().as('mentions'),
      rn: rowNumber(entryPeople.personId, personStoryOrder, page).as('rn'),
    })
    .from(entryPeople)
    .innerJoin(entries, eq(entries.id, entryPeople.entryId))
    .innerJoin(stories, eq(stories.id, entries.storyId))
    .where(and(anyOf(entryPeople.personId, personIds), entryContentVisible(ctx.viewer), storyVisible(ctx.viewer)))
    .groupBy(entryPeople.personId, stories.id)
    .having(afterCursor(personStoryOrder, page))
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.personId, ranked.rn);
  return toConnections(personIds, rows, (r) => r.personId, page, (r) => [r.lastMentionedAt, r.id]);
}
