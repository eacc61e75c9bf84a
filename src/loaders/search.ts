import { and, eq, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { entries, stories } from '../db/schema.js';
import { entryContentVisible, storyVisible, visibilityKey } from '../db/visibility.js';
import { prepared } from '../db/prepared.js';
import { type Entry, entryColumns } from '../db/columns.js';
import { type Connection, type Page, type SortKey, afterCursor, orderFor, placeholderPage, toConnection } from './keyset.js';

export type SearchHit = Entry & { rank: number };

const searchQueries = 'search_queries';
const rank = sql<number>`ts_rank(${entries.searchVector}, ${sql.identifier(searchQueries)}.tsquery)::float8`;
export const searchOrder: SortKey[] = [
  { expr: rank, direction: 'desc', kind: 'float' },
  { expr: entries.id, direction: 'desc', kind: 'int' },
];

/**
 * Full-text search over entries, each story analysed in its own language
 * (an Italian story with the `italian` configuration, and so on). The query
 * is parsed once per configuration in use, so every match can use the GIN index.
 * Ranked by ts_rank, as float8 so that cursors carry the exact value.
 */
export async function searchEntries(access: Access, page: Page, input: { query: string; storyId: number | null }): Promise<Connection<SearchHit>> {
  const { page: shaped, shape, values } = placeholderPage(page);
  const inStory = input.storyId !== null;
  const query = prepared(access.db, `searchEntries:${visibilityKey(access.viewer)}:${inStory}:${shape}`, () => {
    const storyId = sql.placeholder('story');
    const queries = access.db.$with(searchQueries).as(
      access.db
        .selectDistinct({ config: sql`${stories.searchConfig}`.as('config'), tsquery: sql`websearch_to_tsquery(${stories.searchConfig}, ${sql.placeholder('query')})`.as('tsquery') })
        .from(stories)
        .where(and(inStory ? eq(stories.id, storyId) : undefined, storyVisible(access.viewer))),
    );
    return access.db
      .with(queries)
      .select({ ...entryColumns, rank: rank.mapWith(Number) })
      .from(entries)
      .innerJoin(queries, sql`${entries.searchConfig} = ${queries.config} and ${entries.searchVector} @@ ${queries.tsquery}`)
      .where(and(inStory ? eq(entries.storyId, storyId) : undefined, entryContentVisible(access.viewer), afterCursor(searchOrder, shaped)))
      .orderBy(orderFor(searchOrder, shaped))
      .limit(sql.placeholder('limit'));
  });
  const rows = await query.execute({ ...values, query: input.query, story: input.storyId });
  return toConnection(rows, page, (hit) => [hit.rank, hit.id]);
}
