import { type SQL, and, asc, eq, lte, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import { type Entry, entryColumns, quoteColumns, storyColumns } from '../db/columns.js';
import { anyOfPlaceholder, prepared } from '../db/prepared.js';
import type { Access } from '../access.js';
import { type PersonRow, type QuoteRow, type StoryRow, entries, people, quotes, stories } from '../db/schema.js';
import { entryContentVisible, quoteVisible, visibilityKey } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, fieldsOf, groupRows, orderFor, pagePosition, parentId, parentKeys, placeholderPage, rowNumber, toConnection, toConnections } from './keyset.js';
import { foldedContains } from './mentionables.js';

export async function quotesByIds(access: Access, ids: readonly number[]): Promise<QuoteRow[]> {
  return access.db
    .select(quoteColumns)
    .from(quotes)
    .innerJoin(entries, eq(entries.id, quotes.entryId))
    .where(and(anyOf(quotes.id, ids), entryContentVisible(access.viewer), quoteVisible(access.viewer)));
}

/** A quote with its speaker, read in the same statement (the API primes its person loader with it). */
export type QuoteWithSpeaker = QuoteRow & { speaker: PersonRow | null };

/** Quotes of each entry in the order they were added, with their speakers, in one statement. */
export async function entryQuoteLists(access: Access, entryIds: readonly number[]): Promise<QuoteWithSpeaker[][]> {
  const rows = await prepared(access.db, `entryQuoteLists:${visibilityKey(access.viewer)}`, () =>
    access.db
      .select({ quote: quotes, speaker: people })
      .from(quotes)
      .innerJoin(entries, eq(entries.id, quotes.entryId))
      .leftJoin(people, eq(people.id, quotes.speakerId))
      .where(and(anyOfPlaceholder(quotes.entryId), entryContentVisible(access.viewer), quoteVisible(access.viewer)))
      .orderBy(asc(quotes.id)),
  ).execute({ ids: entryIds });
  return groupRows(
    entryIds,
    rows.map((r) => ({ ...r.quote, speaker: r.speaker })),
    (q) => q.entryId,
  );
}

/** Newest first; quotes added together keep the order they were written in. */
export const quoteOrder: SortKey[] = [
  // As quotes_speaker_created_idx (speaker_id, created_at DESC NULLS LAST, id).
  { expr: quotes.createdAt, direction: 'desc', kind: 'date', nulls: 'last' },
  { expr: quotes.id, direction: 'asc', kind: 'int' },
];
const quoteSortValues = (q: QuoteRow) => [q.createdAt, q.id];

/** One page of quotes per speaker, in one statement, each quote with its entry and that entry's story. */
export async function speakerQuotePages(access: Access, personIds: readonly number[], page: Page): Promise<Connection<QuoteRow & { entry: Entry; story: StoryRow }>[]> {
  const { page: shaped, shape, values } = placeholderPage(page);
  const query = prepared(access.db, `speakerQuotePages:${visibilityKey(access.viewer)}:${shape}`, () => {
    // Each speaker's page walks quotes_speaker_created_idx and stops after the page (see parentKeys).
    const ranked = access.db
      .select({ ...quoteColumns, rn: pagePosition(quoteOrder, shaped).as('rn') })
      .from(quotes)
      .innerJoin(entries, eq(entries.id, quotes.entryId))
      .where(and(eq(quotes.speakerId, parentId), entryContentVisible(access.viewer), quoteVisible(access.viewer), afterCursor(quoteOrder, shaped)))
      .orderBy(orderFor(quoteOrder, shaped))
      .limit(sql.placeholder('limit'))
      .as('ranked');
    // The quotes' entries and stories come along (visible, since the page is of visible entries' quotes):
    // the API primes its entry and story loaders with them, so a person page is one statement fewer.
    return access.db
      .select({ ...fieldsOf(ranked, quoteColumns), entry: entryColumns, story: storyColumns })
      .from(parentKeys)
      .crossJoinLateral(ranked)
      .innerJoin(entries, eq(entries.id, ranked.entryId))
      .innerJoin(stories, eq(stories.id, entries.storyId))
      .orderBy(ranked.speakerId, ranked.rn);
  });
  const rows = await query.execute({ ...values, ids: personIds });
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
