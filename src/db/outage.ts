/**
 * Riding out a database restart or failover. A managed PostgreSQL restarts
 * for upgrades; every instance sees it at once, so an error here would reach
 * every reader at once. Work that is safe to repeat (reads, a subscription
 * being set up, the live bus loading events) waits for the database instead,
 * within a bound, and the wait is logged once per outage, not once per query.
 */
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { isDatabaseUnavailable } from './unavailable.js';

/** How long a read waits for the database before its request gets a 503. */
export const READ_OUTAGE_WAIT_MS = 5_000;
/** How long setting up a subscription (or replaying to one) waits for the database. */
export const LIVE_OUTAGE_WAIT_MS = 30_000;

/**
 * Logs when the database stops answering and when it answers again, once
 * each per outage, and keeps the outage metrics (diretta_database_up, the
 * outages and the seconds spent unavailable).
 */
export class OutageLog {
  /**
   * How long after a recovery a failure still belongs to the outage that
   * ended. A database just back answers some connections while others opened
   * during its start-up are still being refused ("the database system is
   * starting up"); a query that began a moment after the first success can
   * be queued on one of those. Without this, one restart on a busy instance
   * counted as two outages. A real new outage is still seen: by the next
   * attempt that begins once this has passed.
   */
  static readonly SETTLE_MS = 1_000;
  private since: number | null = null;
  /** When the last outage ended: an attempt begun before then (or within SETTLE_MS after) that fails belongs to that outage. */
  private recoveredAt = Number.NEGATIVE_INFINITY;
  /** Seconds of the outages that ended. */
  private pastSeconds = 0;
  /** When a statement last answered (see answered()). */
  private answeredAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics | null = null,
  ) {
    metrics?.onScrape(() => {
      metrics.databaseUnavailableSeconds.value = this.unavailableSeconds;
    });
  }

  get down(): boolean {
    return this.since !== null;
  }

  /** Seconds the database has been unavailable, all outages together, the current one included. */
  get unavailableSeconds(): number {
    return this.pastSeconds + (this.since === null ? 0 : (Date.now() - this.since) / 1000);
  }

  /**
   * An attempt begun at `startedAt` failed because the database could not be
   * reached. If it began before the last recovery (or within SETTLE_MS after
   * it) it is a straggler of that outage (a connect that was under way, a
   * query sent just before), not a new one: a busy instance would otherwise
   * log and count the outage twice.
   */
  unavailable(error: unknown, startedAt: number): void {
    if (this.since !== null || startedAt < this.recoveredAt + OutageLog.SETTLE_MS) return;
    this.since = Date.now();
    this.metrics?.databaseUp.set(0);
    this.metrics?.databaseOutages.inc();
    const cause = error as { code?: unknown; message?: unknown };
    this.log.warn({ code: cause.code, reason: cause.message }, 'database unreachable: reads wait for it, writes answer 503');
  }

  /**
   * Runs `work` against the database as evidence either way: its success ends
   * an outage, its failure for want of the database starts one (or belongs
   * to the current one). Any error is thrown on.
   */
  async observe<T>(work: () => Promise<T>): Promise<T> {
    const startedAt = Date.now();
    try {
      const result = await work();
      this.available(startedAt);
      return result;
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.unavailable(error, startedAt);
      throw error;
    }
  }

  /** A statement just answered: the database client says so, for answeredWithin. */
  answered(): void {
    this.answeredAt = Date.now();
  }

  /**
   * Whether a statement answered within the last `ms` and no outage has
   * begun since: evidence as good as a ping, without queueing one behind a
   * busy pool (see /ready in src/app.ts).
   */
  answeredWithin(ms: number): boolean {
    return this.since === null && Date.now() - this.answeredAt <= ms;
  }

  /**
   * An attempt begun at `startedAt` succeeded. One begun before the outage
   * did (a result already on its way when the server went down) is no sign
   * that the database is back.
   */
  available(startedAt = Date.now()): void {
    if (this.since === null || startedAt < this.since) return;
    const downMs = Date.now() - this.since;
    this.pastSeconds += downMs / 1000;
    this.since = null;
    this.recoveredAt = Date.now();
    this.metrics?.databaseUp.set(1);
    this.log.info({ downMs }, 'database reachable again');
  }
}

/**
 * Runs `work` and, while it fails because the database cannot be reached,
 * runs it again (after 50 ms, doubling up to 1 s) until `waitMs` have
 * passed; then the last error is thrown. Any other error is thrown at once.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, options: { waitMs: number; outage?: OutageLog | undefined }): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  const { outage } = options;
  const attempt = outage ? () => outage.observe(work) : work;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      if (Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
