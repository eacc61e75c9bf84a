/**
 * Delivers the webhook outbox (table webhook_deliveries, filled by a trigger
 * in the transaction of each story event): at least once, in order per
 * subscription, by exactly one instance at a time.
 *
 * Each round claims the oldest undelivered row of each subscription that is
 * due and not paused, with `FOR UPDATE SKIP LOCKED` and a lease (owner and
 * expiry) written in the same statement: another instance skips a row being
 * claimed and, once the claim commits, sees the lease and leaves it — and
 * the subscription's later rows wait behind it, which keeps the order. An
 * instance that dies mid-attempt leaves a lease that expires, and the row is
 * tried again (hence at least once: receivers deduplicate on the delivery
 * id). The lease outlives the attempt's timeout, so a live instance always
 * finishes before anyone else may take over. On PGlite the same statements
 * run; there is one instance.
 */
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { WebhookSettings } from '../config.js';
import { type Database, queryRows } from '../db/client.js';
import { watchOutboxTable } from '../db/outbox-backlog.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { EVENTS_CHANNEL } from '../live/append-event.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { retryDelayMs } from './backoff.js';
import { type ClaimedDelivery, deliveryBody } from './payload.js';
import { WEBHOOK_HEADERS, signDelivery } from './signature.js';

/** Longest error text kept for `lastDelivery.error`. */
const MAX_ERROR_LENGTH = 500;
/** How often delivered rows past their retention are deleted. */
const PRUNE_INTERVAL_MS = 3_600_000;

export class WebhookDeliverer {
  /** Written into each claim: only this instance may settle what it claimed. */
  private readonly owner = randomUUID();
  private readonly leaseMs: number;
  private stopping = false;
  private wanted = false;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly database: Database,
    private readonly settings: WebhookSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics | null = null,
  ) {
    this.leaseMs = settings.timeoutMs * 2 + 1_000;
  }

  async start(): Promise<void> {
    // A committed event wakes the deliverer at once; the timer finds retries that came due, and rows a dead instance left.
    this.unlisten = await this.database.listen(EVENTS_CHANNEL, { onNotify: () => this.wake(), onListen: () => this.wake() });
    this.timer = setInterval(() => this.wake(), this.settings.pollIntervalMs);
    this.timer.unref();
    this.pruneTimer = setInterval(() => void this.prune().catch((error: unknown) => this.log.warn({ err: error }, 'could not prune webhook deliveries')), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    this.wake();
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

  /** Stops claiming; attempts under way finish (within the timeout) and are recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.unlisten?.().catch(() => {});
    await this.running;
  }

  wake(): void {
    if (this.stopping) return;
    this.wanted = true;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    while (this.wanted && !this.stopping) {
      this.wanted = false;
      try {
        const claimed = await this.claim();
        if (claimed.length === 0) continue;
        await Promise.all(claimed.map((d) => this.attempt(d)));
        // A delivery done lets the next one of its subscription go: look again straight away.
        this.wanted = true;
      } catch (error) {
        // The database is away (a restart, an outage): logged once per outage; the next tick tries again.
        if (isDatabaseUnavailable(error)) this.database.outage.unavailable(error);
        else this.log.warn({ err: error }, 'webhook delivery round failed');
      }
    }
  }

  private claim(): Promise<ClaimedDelivery[]> {
    return queryRows<ClaimedDelivery>(
      this.database.db,
      sql`
      with due as (
        select d.id from webhook_deliveries d
        join webhooks w on w.id = d.webhook_id
        where d.delivered_at is null
          and not w.paused
          and d.next_attempt_at <= now()
          and (d.lease_until is null or d.lease_until < now())
          and d.id = (select min(o.id) from webhook_deliveries o where o.webhook_id = d.webhook_id and o.delivered_at is null)
        order by d.next_attempt_at, d.id
        limit ${this.settings.concurrency}
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
      returning d.id, d.delivery_id, d.attempts, w.id as webhook_id, w.url, w.secret, ev.kind, ev.seq, ev.public_seq, ev.story_id, s.slug, ev.occurred_at,
        coalesce(ev.snapshot -> 'entry', to_jsonb(en) - 'search_vector' - 'search_config') as entry`,
    );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const body = deliveryBody(delivery);
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Diretta-Webhooks/1',
          [WEBHOOK_HEADERS.delivery]: delivery.delivery_id,
          [WEBHOOK_HEADERS.event]: delivery.kind,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signDelivery(delivery.secret, timestamp, body),
        },
        body,
      });
      status = response.status;
      await response.body?.cancel().catch(() => {});
      if (status < 200 || status > 299) error = `the receiver answered HTTP ${status}`;
    } catch (cause) {
      error = describeFailure(cause, this.settings.timeoutMs);
    }
    try {
      this.metrics?.outboxDelivery('webhooks', error === null ? 'delivered' : 'failed').inc();
      if (error === null) await this.settle(delivery, sql`delivered_at = date_trunc('milliseconds', now()), last_status = ${status}, last_error = null`, true);
      else {
        const delay = retryDelayMs(delivery.attempts, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
        await this.settle(delivery, sql`next_attempt_at = now() + ${delay} * interval '1 millisecond', last_status = ${status}, last_error = ${error.slice(0, MAX_ERROR_LENGTH)}`, false);
        this.log.info({ webhookId: delivery.webhook_id, deliveryId: delivery.delivery_id, attempts: delivery.attempts, retryInMs: delay, error }, 'webhook delivery failed');
      }
    } catch (cause) {
      // Not recorded: the lease runs out and the delivery is tried again (at least once).
      this.log.warn({ err: cause, deliveryId: delivery.delivery_id }, 'could not record a webhook attempt');
    }
  }

  /** Records an attempt's outcome, if this instance still holds the lease, and the subscription's failure count. */
  private async settle(delivery: ClaimedDelivery, changes: SQL, succeeded: boolean): Promise<void> {
    const [row] = await queryRows<{ paused: boolean; failures: number }>(
      this.database.db,
      sql`
      with settled as (
        update webhook_deliveries set ${changes}, lease_owner = null, lease_until = null
        where id = ${delivery.id} and lease_owner = ${this.owner}
        returning webhook_id
      )
      update webhooks w
      set ${succeeded ? sql`failures = 0` : sql`failures = w.failures + 1, paused = w.paused or w.failures + 1 >= ${this.settings.pauseAfterFailures}`}
      from settled where w.id = settled.webhook_id
      returning w.paused, w.failures`,
    );
    if (row && !succeeded && row.paused) this.log.warn({ webhookId: delivery.webhook_id, failures: row.failures }, 'webhook paused after repeated failures');
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
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
