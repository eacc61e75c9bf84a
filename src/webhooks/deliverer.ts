/**
 * Delivers the webhook outbox (table webhook_deliveries, filled by a trigger
 * in the transaction of each story event): at least once, in order per
 * subscription, by exactly one instance at a time, each subscription on its
 * own: up to WEBHOOK_CONCURRENCY attempts run at once, and a free slot is
 * filled as soon as one finishes, so a receiver that hangs holds its own
 * slot until the deadline and nobody else's.
 *
 * A claim takes the oldest undelivered row of each subscription that is due,
 * not paused, not backing off and not already in flight, with `FOR UPDATE
 * SKIP LOCKED` and a lease (owner and expiry) written in the same statement:
 * another instance skips a row being claimed and, once the claim commits,
 * sees the lease and leaves it, and the subscription's later rows wait
 * behind it, which keeps the order. An instance that dies mid-attempt leaves
 * a lease that expires, and the row is tried again (hence at least once:
 * receivers deduplicate on the delivery id). The lease outlives the
 * attempt's deadline, so a live instance always finishes before anyone else
 * may take over. On PGlite the same statements run; there is one instance.
 *
 * A failure (no answer, an error status, a redirect, a blocked target) is
 * retried with backoff; so is, in effect, an answer slower than
 * WEBHOOK_SLOW_MS: it is delivered, but counts as a failure, and the
 * subscription waits out a backoff (`webhooks.backoff_until`) before its
 * next delivery, so a receiver that answers just inside the deadline uses
 * little of the deliverer's time.
 */
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { WebhookSettings } from '../config.js';
import { type Database, queryRows } from '../db/client.js';
import type { WebhookErrorKind } from '../db/schema.js';
import { watchOutboxTable } from '../db/outbox-backlog.js';
import { EVENTS_CHANNEL } from '../live/append-event.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { retryDelayMs } from './backoff.js';
import { OutboxLoop } from './outbox-loop.js';
import { type ClaimedDelivery, deliveryBody } from './payload.js';
import { failureKind, postWebhook } from './send.js';
import { STANDARD_HEADERS, WEBHOOK_HEADERS, signDelivery, standardSignature } from './signature.js';
import type { WebhookTargets } from './targets.js';

/** How often delivered rows past their retention are deleted. */
const PRUNE_INTERVAL_MS = 3_600_000;

/** How an attempt ended. */
type Outcome = { kind: 'delivered'; status: number } | { kind: 'slow'; status: number } | { kind: 'failed'; status: number | null; error: WebhookErrorKind; cause?: unknown };

export class WebhookDeliverer {
  /** Written into each claim: only this instance may settle what it claimed. */
  private readonly owner = randomUUID();
  private readonly leaseMs: number;
  private readonly loop: OutboxLoop;
  /** Attempts under way, one per subscription at most (the claim skips a subscription whose row is leased). */
  private readonly inFlight = new Set<Promise<void>>();
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly settings: WebhookSettings,
    private readonly targets: WebhookTargets,
    private readonly log: Logger,
    private readonly metrics: Metrics | null = null,
  ) {
    this.leaseMs = settings.timeoutMs * 2 + 1_000;
    // A committed event wakes the deliverer at once; the timer finds retries that came due, and rows a dead instance left.
    this.loop = new OutboxLoop(database, log, { channels: [EVENTS_CHANNEL], pollIntervalMs: settings.pollIntervalMs, round: () => this.fill(), name: 'webhook delivery' });
  }

  async start(): Promise<void> {
    this.pruneTimer = setInterval(() => void this.prune().catch((error: unknown) => this.log.warn({ err: error }, 'could not prune webhook deliveries')), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    await this.loop.start();
  }

  /**
   * Deletes delivered rows older than the retention (any instance may; the
   * statement is idempotent). Undelivered rows are never deleted: they wait
   * for their subscription to be resumed or deleted.
   */
  async prune(): Promise<number> {
    const rows = await queryRows<{ id: number }>(
      this.database.db,
      sql`delete from webhook_deliveries where delivered_at < now() - ${this.settings.retentionDays} * interval '1 day' returning id`,
    );
    return rows.length;
  }

  /** Attempts under way on this instance (tests, metrics). */
  get attemptsInFlight(): number {
    return this.inFlight.size;
  }

  /** Stops claiming; attempts under way finish (within the timeout) and are recorded. */
  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.loop.stop();
    await Promise.all([...this.inFlight]);
  }

  wake(): void {
    this.loop.wake();
  }

  /** One round: fills the free slots with due deliveries (each attempt, once done, wakes the loop for the next); true when every free slot was taken and more may be due. */
  private async fill(): Promise<boolean> {
    const free = this.settings.concurrency - this.inFlight.size;
    if (free <= 0) return false;
    const claimed = await this.claim(free);
    for (const delivery of claimed) this.launch(delivery);
    return claimed.length === free;
  }

  private launch(delivery: ClaimedDelivery): void {
    const attempt: Promise<void> = this.attempt(delivery)
      // Whatever went wrong, the lease runs out and the delivery is tried again; the process carries on.
      .catch((error: unknown) => this.log.warn({ err: error, deliveryId: delivery.delivery_id }, 'webhook attempt failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(attempt);
        // A delivery done lets the next one of its subscription go, and frees a slot.
        this.wake();
      });
    this.inFlight.add(attempt);
  }

  private claim(limit: number): Promise<ClaimedDelivery[]> {
    return queryRows<ClaimedDelivery>(
      this.database.db,
      sql`
      with due as (
        select d.id from webhook_deliveries d
        join webhooks w on w.id = d.webhook_id
        where d.delivered_at is null
          and not w.paused
          and (w.backoff_until is null or w.backoff_until <= now())
          and d.next_attempt_at <= now()
          and (d.lease_until is null or d.lease_until < now())
          and d.id = (select min(o.id) from webhook_deliveries o where o.webhook_id = d.webhook_id and o.delivered_at is null)
        order by d.next_attempt_at, d.id
        limit ${limit}
        for update of d skip locked
      )
      update webhook_deliveries d
      set lease_owner = ${this.owner},
          lease_until = now() + ${this.leaseMs} * interval '1 millisecond',
          attempts = d.attempts + 1,
          last_attempt_at = date_trunc('milliseconds', now())
      from due
      join webhooks w on true
      join story_events ev on true
      join stories s on s.id = ev.story_id
      left join entries en on en.id = ev.entry_id
      where d.id = due.id and w.id = d.webhook_id and ev.id = d.event_id
      returning d.id, d.delivery_id, d.attempts, w.id as webhook_id, w.url, w.secret, w.failures,
        case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret,
        ev.kind, ev.seq, ev.public_seq, ev.story_id, s.slug, ev.occurred_at,
        coalesce(ev.snapshot -> 'entry', to_jsonb(en) - 'search_vector' - 'search_config') as entry`,
    );
  }

  private async send(delivery: ClaimedDelivery): Promise<Outcome> {
    const body = deliveryBody(delivery);
    const timestamp = Math.floor(Date.now() / 1000);
    const secrets = delivery.previous_secret ? [delivery.secret, delivery.previous_secret] : [delivery.secret];
    try {
      const { status, elapsedMs } = await postWebhook(
        new URL(delivery.url),
        {
          'content-type': 'application/json',
          'user-agent': 'Diretta-Webhooks/1',
          [STANDARD_HEADERS.id]: delivery.delivery_id,
          [STANDARD_HEADERS.timestamp]: String(timestamp),
          [STANDARD_HEADERS.signature]: standardSignature(secrets, delivery.delivery_id, timestamp, body),
          [WEBHOOK_HEADERS.delivery]: delivery.delivery_id,
          [WEBHOOK_HEADERS.event]: delivery.kind,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signDelivery(delivery.secret, timestamp, body),
        },
        body,
        { timeoutMs: this.settings.timeoutMs, targets: this.targets },
      );
      if (status < 200 || status > 299) return { kind: 'failed', status, error: 'http_status' };
      return elapsedMs > this.settings.slowMs ? { kind: 'slow', status } : { kind: 'delivered', status };
    } catch (cause) {
      return { kind: 'failed', status: null, error: failureKind(cause), cause };
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery);
    try {
      this.metrics?.outboxDelivery('webhooks', outcome.kind === 'failed' ? 'failed' : 'delivered').inc();
      if (outcome.kind === 'delivered') {
        await this.settle(delivery, sql`delivered_at = date_trunc('milliseconds', now()), last_status = ${outcome.status}, last_error = null`, sql`failures = 0, backoff_until = null`);
      } else if (outcome.kind === 'slow') {
        // Delivered, but the subscription waits as after a failure before its next one.
        const delay = retryDelayMs(delivery.failures + 1, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
        await this.settle(
          delivery,
          sql`delivered_at = date_trunc('milliseconds', now()), last_status = ${outcome.status}, last_error = 'slow'`,
          sql`failures = w.failures + 1, backoff_until = now() + ${delay} * interval '1 millisecond'`,
        );
        this.log.info({ webhookId: delivery.webhook_id, deliveryId: delivery.delivery_id, slowMs: this.settings.slowMs, backoffMs: delay }, 'webhook receiver answered slowly: backing off');
      } else {
        const delay = retryDelayMs(delivery.attempts, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
        const row = await this.settle(
          delivery,
          sql`next_attempt_at = now() + ${delay} * interval '1 millisecond', last_status = ${outcome.status}, last_error = ${outcome.error}`,
          sql`failures = w.failures + 1, paused = w.paused or w.failures + 1 >= ${this.settings.pauseAfterFailures}`,
        );
        // The details (addresses, ports, the system's words) are for the operator's log; the API keeps the category.
        this.log.info(
          { webhookId: delivery.webhook_id, deliveryId: delivery.delivery_id, attempts: delivery.attempts, retryInMs: delay, error: outcome.error, status: outcome.status, err: outcome.cause },
          'webhook delivery failed',
        );
        if (row?.paused) this.log.warn({ webhookId: delivery.webhook_id, failures: row.failures }, 'webhook paused after repeated failures');
      }
    } catch (cause) {
      // Not recorded: the lease runs out and the delivery is tried again (at least once).
      this.log.warn({ err: cause, deliveryId: delivery.delivery_id }, 'could not record a webhook attempt');
    }
  }

  /** Records an attempt's outcome, if this instance still holds the lease, and what it means for the subscription. */
  private async settle(delivery: ClaimedDelivery, changes: SQL, subscription: SQL): Promise<{ paused: boolean; failures: number } | undefined> {
    const [row] = await queryRows<{ paused: boolean; failures: number }>(
      this.database.db,
      sql`
      with settled as (
        update webhook_deliveries set ${changes}, lease_owner = null, lease_until = null
        where id = ${delivery.id} and lease_owner = ${this.owner}
        returning webhook_id
      )
      update webhooks w
      set ${subscription}
      from settled where w.id = settled.webhook_id
      returning w.paused, w.failures`,
    );
    return row;
  }
}

/**
 * The webhook outbox's backlog at every scrape, on every instance (delivering or not): rows waiting, and the
 * age of the oldest one whose webhook is not paused (a paused webhook waits for an admin, not for us).
 */
export function watchWebhookOutbox(metrics: Metrics, database: Pick<Database, 'db'>): () => void {
  return watchOutboxTable(metrics, database, 'webhooks', {
    table: 'webhook_deliveries',
    waiting: sql`delivered_at is null`,
    aged: sql`not exists (select 1 from webhooks w where w.id = webhook_id and w.paused)`,
  });
}
