/**
 * Riding out a database restart or failover. A managed PostgreSQL restarts
 * for upgrades; every instance sees it at once, so an error here would reach
 * every reader at once. Work that is safe to repeat (reads, a subscription
 * being set up, the live bus loading events) waits for the database instead,
 * within a bound, and the wait is logged once per outage, not once per query.
 */
import type { Logger } from '../logger.js';
import { isDatabaseUnavailable } from './unavailable.js';

/** How long a read waits for the database before its request gets a 503. */
export const READ_OUTAGE_WAIT_MS = 5_000;
/** How long setting up a subscription (or replaying to one) waits for the database. */
export const LIVE_OUTAGE_WAIT_MS = 30_000;

/** Logs when the database stops answering and when it answers again, once each per outage. */
export class OutageLog {
  private since: number | null = null;

  constructor(private readonly log: Logger) {}

  get down(): boolean {
    return this.since !== null;
  }

  unavailable(error: unknown): void {
    if (this.since !== null) return;
    this.since = Date.now();
    const cause = error as { code?: unknown; message?: unknown };
    this.log.warn({ code: cause.code, reason: cause.message }, 'database unreachable: reads wait for it, writes answer 503');
  }

  available(): void {
    if (this.since === null) return;
    this.log.info({ downMs: Date.now() - this.since }, 'database reachable again');
    this.since = null;
  }
}

/**
 * Runs `work` and, while it fails because the database cannot be reached,
 * runs it again (after 50 ms, doubling up to 1 s) until `waitMs` have
 * passed; then the last error is thrown. Any other error is thrown at once.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, options: { waitMs: number; outage?: OutageLog | undefined }): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      const result = await work();
      options.outage?.available();
      return result;
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      options.outage?.unavailable(error);
      if (Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
