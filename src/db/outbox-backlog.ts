/**
 * The backlog of a durable outbox table (webhook deliveries, cache purges):
 * how many rows wait, and how old the oldest is, read when Prometheus
 * scrapes (diretta_outbox_pending, diretta_outbox_oldest_age_seconds). The
 * numbers are the database's, so every instance reports the same ones.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Metrics, Outbox } from '../observability/metrics.js';
import { type Database, type Db, queryRows } from './client.js';

export interface OutboxTable {
  /** The table, e.g. `webhook_deliveries`. */
  table: string;
  /** Which rows still wait, e.g. sql`delivered_at is null` (the condition of a partial index, ideally). */
  waiting: SQL;
  /** The column of when a row was written: its age. Default `created_at`. */
  createdAt?: string;
  /** Which waiting rows count for the age of the oldest (e.g. not those an admin paused). Default: all. */
  aged?: SQL;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export async function outboxBacklog(db: Db, outbox: OutboxTable): Promise<{ pending: number; oldestAgeSeconds: number }> {
  const createdAt = outbox.createdAt ?? 'created_at';
  if (!IDENTIFIER.test(outbox.table) || !IDENTIFIER.test(createdAt)) throw new Error(`outboxBacklog: ${outbox.table}.${createdAt} is not a plain identifier`);
  const [row] = await queryRows<{ pending: number; oldest: number | string | null }>(
    db,
    sql`select count(*)::int as pending,
      coalesce(extract(epoch from now() - min(${sql.identifier(createdAt)}) filter (where ${outbox.aged ?? sql`true`})), 0)::float8 as oldest
    from ${sql.identifier(outbox.table)} where ${outbox.waiting}`,
  );
  return { pending: Number(row?.pending ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.oldest ?? 0)) };
}

/**
 * Reports an outbox table's backlog at every scrape: one call for a new
 * outbox (e.g. `watchOutboxTable(metrics, database, 'purge', { table:
 * 'cache_purges', waiting: sql\`purged_at is null\` })`). Returns the
 * function that stops it.
 */
export function watchOutboxTable(metrics: Metrics, database: Pick<Database, 'db'>, outbox: Outbox, table: OutboxTable): () => void {
  return metrics.watchOutbox(outbox, () => outboxBacklog(database.db, table));
}
