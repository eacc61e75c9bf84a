/**
 * Queries built once: drizzle renders a query's SQL from its builder on
 * every execution (a fifth of the API's CPU on an uncached story page). A
 * hot loader instead builds its query once per database and *shape* (the
 * parts that change the SQL text: order, filters, whether a cursor is
 * given, the viewer's visibility), with placeholders for the values, and
 * runs the prepared query with the values of each call. The SQL text is the
 * same as before, so PostgreSQL still plans it once per connection (see
 * ./client.ts).
 */
import { type SQL, sql } from 'drizzle-orm';
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
    queries.set(shape, query as PreparedQuery<unknown>);
  }
  return query;
}

/** `column = any($ids::int[])` with the list given at execution (see ./any-of.ts). */
export function anyOfPlaceholder(column: AnyPgColumn | SQL, name = 'ids'): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::int[])`;
}
