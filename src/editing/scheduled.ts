/**
 * Scheduled (embargoed) entries: `createEntry(publishAt:)` writes an entry
 * with status `scheduled`, invisible to readers everywhere (the visibility
 * rules let only `published` content through). Every instance runs a
 * Scheduler; each publication is one transaction under the story's lock
 * that publishes the entry only if it is still scheduled, so exactly one
 * instance does — the others wait on the lock, then find nothing to publish.
 * It publishes through publishLocked, the code publishEntry runs. A
 * scheduled entry whose time passed while no instance ran is published at
 * the next start, and logged as late. One whose story ended before its time
 * is not published: it goes back to the desk as a draft, and a warning says so.
 */
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import type { Db } from '../db/client.js';
import type { OutageLog } from '../db/outage.js';
import { entries, nowMs } from '../db/schema.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { isClientError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { appendEntryEvent, lockEntry, publishLocked } from './entries.js';

/** Who publishes scheduled entries, in the event log's `actor`. */
export const SCHEDULER_ACTOR = 'scheduler';

export interface ScheduledPublication {
  entryId: number;
  storyId: number;
  publishAt: Date;
  publishedAt: Date;
  /** How long after its time it went out. */
  lateMs: number;
}

/** A scheduled entry whose time came in a story that had ended meanwhile: back to draft, unpublished. */
export interface HeldPublication {
  outcome: 'held';
  entryId: number;
  storyId: number;
  publishAt: Date;
}

export type ScheduledOutcome = (ScheduledPublication & { outcome: 'published' }) | HeldPublication;

/** Publishes every scheduled entry whose time has come (up to `limit`), or holds it when its story has ended; returns what this call did. */
export async function publishDueEntries(db: Db, limit = 50): Promise<ScheduledOutcome[]> {
  const access: Access = { db, viewer: { role: 'editor', subject: SCHEDULER_ACTOR } };
  const due = await db
    .select({ id: entries.id })
    .from(entries)
    .where(and(eq(entries.status, 'scheduled'), lte(entries.publishAt, sql`now()`)))
    .orderBy(asc(entries.publishAt), asc(entries.id))
    .limit(limit);
  const outcomes: ScheduledOutcome[] = [];
  for (const { id } of due) {
    const done = await db.transaction(async (tx) => {
      // A takedown since the due list was read makes lockEntry refuse: the entry is no longer scheduled anyway.
      const locked = await lockEntry(tx, id).catch((error: unknown) => {
        if (isClientError(error)) return null;
        throw error;
      });
      if (!locked) return null;
      const { story, entry } = locked;
      // Another instance may have handled it while this one waited for the lock (or an editor published it): nothing to do.
      if (entry.status !== 'scheduled') return null;
      const publishAt = entry.publishAt!;
      // An ended story is an archive (as for editors): the entry goes back to the desk as a draft, it does not go out.
      if (story.status === 'ended') {
        const [held] = await tx.update(entries).set({ status: 'draft', publishAt: null, updatedAt: nowMs }).where(eq(entries.id, id)).returning();
        await appendEntryEvent(tx, access, story, held!, 'updated');
        return { outcome: 'held' as const, entryId: id, storyId: story.id, publishAt };
      }
      // The very path publishEntry takes: the same rules (the editors' note stays behind, the schedule ends).
      const published = await publishLocked(tx, access, story, entry);
      const publishedAt = published.publishedAt!;
      return { outcome: 'published' as const, entryId: id, storyId: story.id, publishAt, publishedAt, lateMs: publishedAt.getTime() - publishAt.getTime() };
    });
    if (done) outcomes.push(done);
  }
  return outcomes;
}

export interface SchedulerOptions {
  /** How often to look for due entries. */
  intervalMs: number;
  /** A publication later than this after its time is logged as late (a warning). */
  lateAfterMs: number;
}

/** Runs publishDueEntries now and then every `intervalMs`, one run at a time, until stopped. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly options: SchedulerOptions = { intervalMs: 1_000, lateAfterMs: 5_000 },
    /** Lateness and held entries go to `metrics`; an unreachable database to the outage log (one line per outage). */
    private readonly observers: { metrics?: Metrics | null; outage?: OutageLog } = {},
  ) {
    observers.metrics?.onScrape(async () => {
      const [row] = await db.select({ due: sql<number>`count(*)::int` }).from(entries).where(and(eq(entries.status, 'scheduled'), lte(entries.publishAt, sql`now()`)));
      observers.metrics!.scheduledDue.set(Number(row?.due ?? 0));
    });
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.run().finally(() => {
      this.running = null;
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
    });
  }

  private async run(): Promise<void> {
    const { metrics, outage } = this.observers;
    try {
      const publish = () => publishDueEntries(this.db);
      const outcomes = await (outage ? outage.observe(publish) : publish());
      for (const p of outcomes) {
        if (p.outcome === 'held') {
          metrics?.scheduledHeld.inc();
          this.log.warn({ entryId: p.entryId, storyId: p.storyId, publishAt: p.publishAt.toISOString() }, 'did not publish a scheduled entry: its story has ended; it is a draft again');
          continue;
        }
        metrics?.scheduledLateness.observe(Math.max(0, p.lateMs) / 1000);
        const fields = { entryId: p.entryId, storyId: p.storyId, publishAt: p.publishAt.toISOString(), lateMs: p.lateMs };
        if (p.lateMs > this.options.lateAfterMs) this.log.warn(fields, 'published a scheduled entry late');
        else this.log.info(fields, 'published a scheduled entry');
      }
    } catch (error) {
      // A database outage: the entries stay scheduled and the next run publishes them. The outage is
      // logged once (by the outage log), not once a second here.
      if (!(outage && isDatabaseUnavailable(error))) this.log.warn({ err: error }, 'could not publish scheduled entries; retrying');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
