/**
 * Queries built once: drizzle renders a query's SQL from its builder on
 * every execution (a fifth of the API's CPU on an uncached story page). A
 * hot loader instead builds its query once per database and *shape* (the
 * parts that change the SQL text: order, filters, whether a cursor is
 * given, the viewer's visibility), with placeholders for the values, and
 * runs the prepared query with the values of each call. The SQL text is the
 * same as before, so PostgreSQL still plans it once per connection (see
 * ./client.ts).
 *
 * Its rows are mapped by a function made once per query, too: drizzle's
 * own mapping asks every column of every row what kind of field it is and
 * walks its path with an iterator (garbage for each value).
 */
import { Column, type SQL, Subquery, getTableName, is, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

export interface PreparedQuery<T> {
  execute(values?: Record<string, unknown>): Promise<T>;
}

interface Preparable<T> {
  prepare(name: string): PreparedQuery<T>;
}

const byDatabase = new WeakMap<object, Map<string, PreparedQuery<unknown>>>();

/** The query of this shape on this database (a Db or a transaction), built by `build` the first time. */
export function prepared<T>(db: object, shape: string, build: () => Preparable<T>): PreparedQuery<T> {
  let queries = byDatabase.get(db);
  if (!queries) byDatabase.set(db, (queries = new Map()));
  let query = queries.get(shape) as PreparedQuery<T> | undefined;
  if (!query) {
    query = build().prepare(shape.replace(/\W+/g, '_'));
    useFastMapping(query);
    queries.set(shape, query as PreparedQuery<unknown>);
  }
  return query;
}

/** What drizzle's prepared queries (postgres.js and PGlite alike) keep and read when mapping rows. */
interface MappedQuery {
  fields?: { path: string[]; field: unknown }[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: (rows: unknown[][]) => unknown;
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field;
  if (is(field, Subquery)) return (field as unknown as { _: { sql: { decoder: Decoder } } })._.sql.decoder;
  const sqlField = field as { decoder?: Decoder; sql?: { decoder: Decoder } };
  return sqlField.decoder ?? sqlField.sql!.decoder;
}

/**
 * Replaces drizzle's row mapping by one with every column's decoder and path
 * looked up once. Like drizzle's, it makes the object of a left-joined table
 * null when the join found no row (all its columns null).
 */
function useFastMapping(query: object): void {
  const mapped = query as MappedQuery;
  if (!mapped.fields || mapped.customResultMapper) return;
  const nullable = new Set(Object.entries(mapped.joinsNotNullableMap ?? {}).filter(([, notNull]) => !notNull).map(([table]) => table));
  const columns = mapped.fields.map(({ path, field }) => ({ parents: path.slice(0, -1), key: path.at(-1)!, decoder: decoderOf(field) }));
  // The objects (selected as `{ name: table }`) of tables a left join may leave without a row.
  const optional = [
    ...new Set(mapped.fields.filter(({ path, field }) => path.length === 2 && is(field, Column) && nullable.has(getTableName(field.table))).map(({ path }) => path[0]!)),
  ];
  const mapRow = (row: unknown[]) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const { parents, key, decoder } = columns[i]!;
      let node = out;
      for (const parent of parents) node = (node[parent] ??= {}) as Record<string, unknown>;
      const raw = row[i];
      node[key] = raw === null || raw === undefined ? null : decoder.mapFromDriverValue(raw);
    }
    for (const name of optional) if (Object.values(out[name] as Record<string, unknown>).every((v) => v === null)) out[name] = null;
    return out;
  };
  mapped.customResultMapper = (rows) => rows.map(mapRow);
}

/** `column = any($ids::int[])` with the list given at execution (see ./any-of.ts). */
export function anyOfPlaceholder(column: AnyPgColumn | SQL, name = 'ids'): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::int[])`;
}
