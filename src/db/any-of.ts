import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * `column = any($1::int[])`: one array parameter instead of `in ($1, …, $n)`,
 * so that a batch of 3 keys and a batch of 30 are the same statement, which
 * PostgreSQL prepares and plans once (see src/db/client.ts).
 */
export function anyOf(column: AnyPgColumn | SQL, ids: readonly number[]): SQL {
  return sql`${column} = any(${sql.param([...ids])}::int[])`;
}
