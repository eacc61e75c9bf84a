import { and, eq, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { entries, stories } from '../db/schema.js';
import { entryContentVisible, storyVisible } from '../db/visibility.js';
import { type Entry, entryColumns } from '../db/columns.js';
import { type Connection, type Page, type SortKey, afterCursor, orderFor, toConnection } from './keyset.js';

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
  const queries = access.db.$with(searchQueries).as(
    access.db
      .selectDistinct({ config: sql`${stories.searchConfig}`.as('config'), tsquery: sql`websearch_to_tsquery(${stories.searchConfig}, ${input.query})`.as('tsquery') })
      .from(stories)
      .where(and(input.storyId === null ? undefined : eq(stories.id, input.storyId), storyVisible(access.viewer))),
  );
  const keys = searchOrder;
  const rows = await access.db
    .with(queries)
    .select({ ...entryColumns, rank: rank.mapWith(Number) })
    .from(entries)
    .innerJoin(queries, sql`${entries.searchConfig} = ${queries.config} and ${entries.searchVector} @@ ${queries.tsquery}`)
    .where(and(input.storyId === null ? undefined : eq(entries.storyId, input.storyId), entryContentVisible(access.viewer), afterCursor(keys, page)))
    .orderBy(orderFor(keys, page))
    .limit(page.limit + 1);
  return toConnection(rows, page, (hit) => [hit.rank, hit.id]);
}
