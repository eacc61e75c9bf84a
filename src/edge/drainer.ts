/**
 * Drains the purge outbox (table edge_purges, filled by triggers in the
 * transaction of each story event and catalog change): every purge reaches
 * every configured purger (./purgers.ts) at least once, in order, with
 * backoff after a failure.
 *
 * Order across instances: a round first takes the outbox's one lease (the
 * row of edge_purge_state, taken by an UPDATE whose condition PostgreSQL
 * checks again once the row is free, so two instances never both hold it),
 * then sends the oldest undelivered rows — several at once, their keys
 * merged: hard keys in one purge, soft keys in another — and marks them
 * delivered. Another instance finds the lease held and does nothing; the
 * lease of an instance that died runs out (it outlives every request a
 * round can make) and another takes over, sending that round's rows again
 * (a key purged twice is harmless). A failed round leaves the rows where
 * they are and sets when the next may start (exponential backoff with
 * jitter, as webhooks); the purgers are all sent the batch again, since a
 * purger that took it once takes it twice without harm.
 *
 * Metrics read this cheaply: readPurgeOutbox (pending rows, the oldest's
 * age, the backoff state: one statement over a partial index) and
 * EdgePurgeDrainer.outcomes (purges sent per purger and outcome, since start).
 */
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { EdgePurgeSettings } from '../config.js';
import { anyOf } from '../db/any-of.js';
import { type Database, type Db, queryRows } from '../db/client.js';
import { watchOutboxTable } from '../db/outbox-backlog.js';
import { EVENTS_CHANNEL } from '../live/append-event.js';
import { CATALOG_CHANNEL } from '../loaders/catalog-matcher.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { retryDelayMs } from '../webhooks/backoff.js';
import { OutboxLoop } from '../webhooks/outbox-loop.js';
import { type Purger, configuredPurgers } from './purgers.js';

/** Rows a round sends at most, and distinct keys (a few requests per purger). */
const ROWS_PER_ROUND = 100;
const KEYS_PER_ROUND = 512;
/** Delivered rows are kept this long (to see what went out), then deleted. */
const DELIVERED_RETENTION_MS = 3_600_000;
/**
 * Undelivered rows older than this are deleted (and the count logged): a purge a day late drops nothing a
 * shared cache still serves as fresh (s-maxage is at most a day), and without any purger configured
 * nothing else would ever remove them.
 */
const UNDELIVERED_RETENTION_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 600_000;
const MAX_ERROR_LENGTH = 500;

interface PendingPurge {
  id: number;
  keys: string[];
  hard: boolean;
}

/** Per purger: purge requests' outcomes (each a batch of keys), since this instance started. */
export type PurgeOutcomes = Record<string, { delivered: number; failed: number }>;

export interface PurgeOutboxState {
  /** Purges not yet delivered. */
  pending: number;
  /** Seconds since the oldest of them was written; null when none waits. */
  oldestPendingAgeSeconds: number | null;
  /** Failed rounds in a row (0 after a success). */
  failures: number;
  lastError: string | null;
  lastDeliveredAt: Date | null;
}

/** The outbox as metrics and health checks see it: one statement (the pending rows come from a partial index). */
export async function readPurgeOutbox(db: Db): Promise<PurgeOutboxState> {
  const [row] = await queryRows<{ pending: number | string; oldest: number | string | null; failures: number; last_error: string | null; last_delivered_at: Date | string | null }>(
    db,
    sql`select p.pending, p.oldest, s.failures, s.last_error, s.last_delivered_at
      from (select count(*) as pending, extract(epoch from now() - min(created_at)) as oldest from edge_purges where delivered_at is null) p
      left join edge_purge_state s on s.id = 1`,
  );
  return {
    pending: Number(row?.pending ?? 0),
    oldestPendingAgeSeconds: row?.oldest == null ? null : Math.max(0, Number(row.oldest)),
    failures: row?.failures ?? 0,
    lastError: row?.last_error ?? null,
    lastDeliveredAt: row?.last_delivered_at == null ? null : new Date(row.last_delivered_at),
  };
}

export class EdgePurgeDrainer {
  /** Written into the lease: only this instance may settle the round it started. */
  private readonly owner = randomUUID();
  private readonly leaseMs: number;
  private readonly purgers: Purger[];
  private readonly loop: OutboxLoop;
  private readonly counts: PurgeOutcomes = {};
  private pruneTimer: NodeJS.Timeout | null = null;
  /** Rows this instance marked delivered, since it started. */
  delivered = 0;

  constructor(
    private readonly database: Database,
    private readonly settings: EdgePurgeSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics | null = null,
    purgers?: Purger[],
  ) {
    this.purgers = purgers ?? configuredPurgers(settings.targets, settings.timeoutMs);
    for (const purger of this.purgers) this.counts[purger.name] = { delivered: 0, failed: 0 };
    // A round makes at most four requests per purger (hard and soft, two batches each), one after the other.
    this.leaseMs = settings.timeoutMs * 5 + 1_000;
    this.loop = new OutboxLoop(database, log, {
      channels: [EVENTS_CHANNEL, CATALOG_CHANNEL],
      pollIntervalMs: settings.pollIntervalMs,
      name: 'edge purge',
      round: () => this.round(),
    });
  }

  async start(): Promise<void> {
    // The migration writes the lease's row; a table emptied by hand would otherwise leave nothing to claim, silently.
    await queryRows(this.database.db, sql`insert into edge_purge_state (id) values (1) on conflict do nothing returning id`);
    // Without a purger there is nothing to send: rows wait (and are pruned after a day), for an instance that has one.
    if (this.purgers.length > 0) await this.loop.start();
    this.pruneTimer = setInterval(() => void this.prune().catch((error: unknown) => this.log.warn({ err: error }, 'could not prune edge purges')), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  /** Stops taking rounds; the one under way finishes and is recorded. */
  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Purge requests per purger and outcome, since start (a copy). */
  outcomes(): PurgeOutcomes {
    return Object.fromEntries(Object.entries(this.counts).map(([name, c]) => [name, { ...c }]));
  }

  /** Deletes delivered rows past an hour, and undelivered ones past a day (any instance may). */
  async prune(): Promise<{ delivered: number; undelivered: number }> {
    const rows = await queryRows<{ delivered: boolean }>(
      this.database.db,
      sql`delete from edge_purges
        where (delivered_at is not null and delivered_at < now() - ${DELIVERED_RETENTION_MS} * interval '1 millisecond')
           or (delivered_at is null and created_at < now() - ${UNDELIVERED_RETENTION_MS} * interval '1 millisecond')
        returning delivered_at is not null as delivered`,
    );
    const undelivered = rows.filter((r) => !r.delivered).length;
    if (undelivered > 0) this.log.warn({ undelivered }, 'deleted edge purges that were never delivered within a day (is a purger configured and reachable?)');
    return { delivered: rows.length - undelivered, undelivered };
  }

  /** One round: true when it delivered something (more may wait). */
  private async round(): Promise<boolean> {
    // Most wake-ups (the poll timer, another instance's events already sent) find nothing: a read, not a write of the lease.
    const [waiting] = await queryRows<{ any: boolean }>(this.database.db, sql`select exists (select 1 from edge_purges where delivered_at is null) as any`);
    if (!waiting?.any) return false;
    const [lease] = await queryRows<{ failures: number }>(
      this.database.db,
      sql`update edge_purge_state
        set lease_owner = ${this.owner}, lease_until = now() + ${this.leaseMs} * interval '1 millisecond'
        where id = 1 and next_attempt_at <= now() and (lease_until is null or lease_until < now() or lease_owner = ${this.owner})
        returning failures`,
    );
    if (!lease) return false;
    const rows = await queryRows<PendingPurge>(this.database.db, sql`select id, keys, hard from edge_purges where delivered_at is null order by id limit ${ROWS_PER_ROUND}`);
    const batch = takeBatch(rows);
    if (batch.length === 0) {
      await this.release(sql`lease_owner = null, lease_until = null`);
      return false;
    }
    const hard = new Set<string>();
    const soft = new Set<string>();
    for (const row of batch) for (const key of row.keys) if (key) (row.hard ? hard : soft).add(key);
    for (const key of hard) soft.delete(key);
    const results = await Promise.allSettled(
      this.purgers.map(async (purger) => {
        try {
          // Hard first: a takedown's answers must not be served stale while the soft keys go.
          if (hard.size > 0) await purger.purge([...hard], true);
          if (soft.size > 0) await purger.purge([...soft], false);
          this.counts[purger.name]!.delivered++;
          this.metrics?.outboxDelivery('purge', 'delivered').inc();
        } catch (error) {
          this.counts[purger.name]!.failed++;
          this.metrics?.outboxDelivery('purge', 'failed').inc();
          throw new Error(`${purger.name}: ${(error as Error).message}`);
        }
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length > 0) {
      const failures = lease.failures + 1;
      const delay = retryDelayMs(failures, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
      const error = failed.join('; ').slice(0, MAX_ERROR_LENGTH);
      await this.release(sql`lease_owner = null, lease_until = null, failures = ${failures}, last_error = ${error},
        next_attempt_at = now() + ${delay} * interval '1 millisecond'`);
      this.log.warn({ failures, retryInMs: delay, error, purges: batch.length }, 'edge purge failed');
      return false;
    }
    const ids = batch.map((row) => row.id);
    // One statement, so that a reader of the outbox never sees the rows delivered and the failures not yet reset.
    await queryRows(
      this.database.db,
      sql`with delivered as (
        update edge_purges set delivered_at = date_trunc('milliseconds', now()) where ${anyOf(sql`id`, ids)} and delivered_at is null returning id
      )
      update edge_purge_state set lease_owner = null, lease_until = null, failures = 0, last_error = null, last_delivered_at = date_trunc('milliseconds', now())
      where id = 1 and lease_owner = ${this.owner}
      returning id`,
    );
    this.delivered += batch.length;
    return true;
  }

  /** Settles the round, if this instance still holds the lease (else another has taken over: leave it be). */
  private async release(changes: SQL): Promise<void> {
    await queryRows(this.database.db, sql`update edge_purge_state set ${changes} where id = 1 and lease_owner = ${this.owner} returning id`);
  }
}

/** The oldest rows, as many as fit a round (the first always does). */
function takeBatch(rows: PendingPurge[]): PendingPurge[] {
  const keys = new Set<string>();
  const batch: PendingPurge[] = [];
  for (const row of rows) {
    const added = row.keys.filter((k) => !keys.has(k));
    if (batch.length > 0 && keys.size + added.length > KEYS_PER_ROUND) break;
    for (const key of added) keys.add(key);
    batch.push(row);
  }
  return batch;
}

/** The purge outbox's backlog at every scrape, on every instance (draining or not). */
export function watchPurgeOutbox(metrics: Metrics, database: Pick<Database, 'db'>): () => void {
  return watchOutboxTable(metrics, database, 'purge', { table: 'edge_purges', waiting: sql`delivered_at is null` });
}
