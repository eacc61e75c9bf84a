import { type SQL, and, asc, eq, lte, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import { quoteColumns } from '../db/columns.js';
import type { Access } from '../access.js';
import { type QuoteRow, entries, quotes } from '../db/schema.js';
import { entryContentVisible, quoteVisible } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, groupRows, orderFor, rowNumber, toConnection, toConnections } from './keyset.js';
import { foldedContains } from './mentionables.js';

export async function quotesByIds(access: Access, ids: readonly number[]): Promise<QuoteRow[]> {
  return access.db
    .select(quoteColumns)
    .from(quotes)
    .innerJoin(entries, eq(entries.id, quotes.entryId))
    .where(and(anyOf(quotes.id, ids), entryContentVisible(access.viewer), quoteVisible(access.viewer)));
}

/** Quotes of each entry in the order they were added, in one statement. */
export async function entryQuoteLists(access: Access, entryIds: readonly number[]): Promise<QuoteRow[][]> {
  const rows = await access.db
    .select(quoteColumns)
    .from(quotes)
    .innerJoin(entries, eq(entries.id, quotes.entryId))
    .where(and(anyOf(quotes.entryId, entryIds), entryContentVisible(access.viewer), quoteVisible(access.viewer)))
    .orderBy(asc(quotes.id));
  return groupRows(entryIds, rows, (q) => q.entryId);
}

/** Newest first; quotes added together keep the order they were written in. */
export const quoteOrder: SortKey[] = [
  { expr: quotes.createdAt, direction: 'desc', kind: 'date' },
  { expr: quotes.id, direction: 'asc', kind: 'int' },
];
const quoteSortValues = (q: QuoteRow) => [q.createdAt, q.id];

/** One page of quotes per speaker, in one statement. */
export async function speakerQuotePages(access: Access, personIds: readonly number[], page: Page): Promise<Connection<QuoteRow>[]> {
  const ranked = access.db
    .select({ ...quoteColumns, rn: rowNumber(quotes.speakerId, quoteOrder, page).as('rn') })
    .from(quotes)
    .innerJoin(entries, eq(entries.id, quotes.entryId))
    .where(and(anyOf(quotes.speakerId, personIds), entryContentVisible(access.viewer), quoteVisible(access.viewer), afterCursor(quoteOrder, page)))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.speakerId, ranked.rn);
  return toConnections(personIds, rows, (q) => q.speakerId, page, quoteSortValues);
}

/** One page of quotes per story, in one statement. */
export async function storyQuotePages(access: Access, storyIds: readonly number[], page: Page): Promise<Connection<QuoteRow>[]> {
  const ranked = access.db
    .select({ ...quoteColumns, storyId: sql<number>`${entries.storyId}`.as('story_id'), rn: rowNumber(entries.storyId, quoteOrder, page).as('rn') })
    .from(quotes)
    .innerJoin(entries, eq(entries.id, quotes.entryId))
    .where(and(anyOf(entries.storyId, storyIds), entryContentVisible(access.viewer), quoteVisible(access.viewer), afterCursor(quoteOrder, page)))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.storyId, ranked.rn);
  return toConnections(storyIds, rows, (q) => q.storyId, page, quoteSortValues);
}

export interface QuotesFilter {
  speakerId: number | null;
  storyId: number | null;
  /** Words the quote contains, case- and accent-insensitive. */
  search: string | null;
}

/** Query.quotes: newest first across the visible graph, narrowed by speaker, story and words. */
export async function quotesPage(access: Access, page: Page, filter: QuotesFilter): Promise<Connection<QuoteRow>> {
  const conditions: (SQL | undefined)[] = [
    filter.speakerId === null ? undefined : eq(quotes.speakerId, filter.speakerId),
    filter.storyId === null ? undefined : eq(entries.storyId, filter.storyId),
    filter.search === null ? undefined : foldedContains(sql`diretta_fold(${quotes.text})`, filter.search),
  ];
  const rows = await access.db
    .select(quoteColumns)
    .from(quotes)
    .innerJoin(entries, eq(entries.id, quotes.entryId))
    .where(and(...conditions, entryContentVisible(access.viewer), quoteVisible(access.viewer), afterCursor(quoteOrder, page)))
    .orderBy(orderFor(quoteOrder, page))
    .limit(page.limit + 1);
  return toConnection(rows, page, quoteSortValues);
}
