/**
 * What admins do to webhook subscriptions: create (the secret is returned
 * once, here), change, pause or resume, rotate the secret, delete; and what
 * the API reads of them. Webhooks are an admin's business: every function
 * here expects the schema to have checked the admin scope, and reads return
 * nothing to others. A URL is checked where it will send
 * (src/webhooks/targets.ts) before it is stored.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Access } from '../access.js';
import { anyOf } from '../db/any-of.js';
import { queryRows } from '../db/client.js';
import { STORY_EVENT_KINDS, type WebhookDeliveryRow, type WebhookErrorKind, type WebhookRow, nowMs, stories, webhookDeliveries, webhooks } from '../db/schema.js';
import { badUserInput, notFound } from '../errors.js';
import { withConstraintErrors } from '../editing/database-errors.js';
import { claimIdempotencyKey, createOnce } from '../editing/idempotency.js';
import { idempotencyKey, optionalText, parseInput } from '../editing/validation.js';
import { type Connection, type Page, type SortKey, afterCursor, orderFor, rowNumber, toConnection, toConnections } from '../loaders/keyset.js';
import { newWebhookSecret } from './signature.js';
import type { WebhookTargets } from './targets.js';

/** What registering and rotating need beyond the database: the target rules, the default grace period. */
export interface WebhookRules {
  targets: WebhookTargets;
  /** How long a rotated-out secret keeps signing, unless the rotation says. */
  secretGraceSeconds: number;
  /** How long a registration waits for DNS. */
  resolveTimeoutMs: number;
}

/** Longest grace period a rotation may ask for: 30 days. */
export const MAX_SECRET_GRACE_SECONDS = 2_592_000;

/** Kinds a webhook may ask for: public events only (a draft never leaves the newsroom). */
export const WEBHOOK_EVENT_KINDS = STORY_EVENT_KINDS.filter((k) => k !== 'drafted');

const url = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) return void ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
    const parsed = new URL(value);
    if (!/^https?:$/.test(parsed.protocol)) ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
    else if (parsed.username || parsed.password) ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password (the signature authenticates Diretta)' });
    else if (parsed.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  })
  // Stored as WHATWG URL writes it: the form the target rules checked, and the one delivery uses.
  .transform((value) => new URL(value).href);

/** Refuses a URL that may not be sent to (BAD_USER_INPUT on `field`). Outside any transaction: it may wait for DNS. */
async function checkTarget(rules: WebhookRules, value: string, field: string): Promise<void> {
  const refusal = await rules.targets.refusal(new URL(value), rules.resolveTimeoutMs);
  if (refusal) throw badUserInput(field, `the URL's host ${refusal}`);
}

const events = z
  .array(z.enum(STORY_EVENT_KINDS))
  .min(1, 'give at least one event kind')
  .max(STORY_EVENT_KINDS.length)
  .superRefine((kinds, ctx) => {
    if (kinds.includes('drafted')) ctx.addIssue({ code: 'custom', message: 'DRAFTED events are for editors only and are never sent to webhooks' });
  })
  .transform((kinds) => [...new Set(kinds)]);

const createSchema = z.object({ url, storyId: z.number().int().nullish(), events, description: optionalText(500), idempotencyKey });

export async function createWebhook(access: Access, rules: WebhookRules, input: z.input<typeof createSchema>): Promise<WebhookRow> {
  const valid = parseInput(createSchema, input);
  await checkTarget(rules, valid.url, 'input.url');
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      if (valid.storyId != null) {
        const [story] = await tx.select({ id: stories.id }).from(stories).where(eq(stories.id, valid.storyId));
        if (!story) throw notFound('input.story', 'No story with that ID.');
      }
      // The secret is not part of the request: a retry with the same key returns the first webhook, secret included.
      return createOnce(tx, access, { operation: 'createWebhook', table: webhooks, key: valid.idempotencyKey, input: valid }, async () => {
        const [row] = await tx
          .insert(webhooks)
          .values({
            url: valid.url,
            storyId: valid.storyId ?? null,
            eventKinds: valid.events,
            description: valid.description ?? null,
            secret: newWebhookSecret(),
            createdBy: access.viewer.subject,
          })
          .returning();
        return row!;
      });
    }),
  );
}

const updateSchema = z.object({ url: url.optional(), events: events.optional(), description: optionalText(500), paused: z.boolean().optional() });

export async function updateWebhook(access: Access, rules: WebhookRules, id: number, input: z.input<typeof updateSchema>): Promise<WebhookRow> {
  const valid = parseInput(updateSchema, input);
  if (valid.url !== undefined) await checkTarget(rules, valid.url, 'input.url');
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const [current] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).for('update');
      if (!current) throw notFound('input.id', 'No webhook with that ID.');
      const resuming = valid.paused === false && current.paused;
      const [row] = await tx
        .update(webhooks)
        .set({
          ...(valid.url !== undefined ? { url: valid.url } : {}),
          ...(valid.events !== undefined ? { eventKinds: valid.events } : {}),
          ...(valid.description !== undefined ? { description: valid.description } : {}),
          ...(valid.paused !== undefined ? { paused: valid.paused } : {}),
          // Resuming starts afresh: the failure count from zero, the waiting delivery due now.
          ...(resuming ? { failures: 0, backoffUntil: null } : {}),
          updatedAt: nowMs,
        })
        .where(eq(webhooks.id, id))
        .returning();
      if (resuming) {
        await tx
          .update(webhookDeliveries)
          .set({ nextAttemptAt: nowMs })
          .where(and(eq(webhookDeliveries.webhookId, id), isNull(webhookDeliveries.deliveredAt)));
      }
      return row!;
    }),
  );
}

const rotateSchema = z.object({
  graceSeconds: z.number().int().min(0, 'must be 0 or more').max(MAX_SECRET_GRACE_SECONDS, `must be at most ${MAX_SECRET_GRACE_SECONDS} (30 days)`).nullish(),
  idempotencyKey,
});

/**
 * Gives a webhook a new secret. Deliveries are signed with both until the
 * grace period ends (`webhook-signature` carries one signature per secret),
 * so receivers can move to the new one without losing any; a grace of 0
 * drops the old secret at once (a leaked one). Rotating again during a grace
 * period replaces the older previous secret: two are in force at most. A
 * retry with the same idempotency key rotates once, and answers with the
 * webhook as it is (its secret the one the first request set).
 */
export async function rotateWebhookSecret(access: Access, rules: WebhookRules, id: number, input: z.input<typeof rotateSchema>): Promise<WebhookRow> {
  const valid = parseInput(rotateSchema, input);
  const graceSeconds = valid.graceSeconds ?? rules.secretGraceSeconds;
  return access.db.transaction(async (tx) => {
    const claim = await claimIdempotencyKey(tx, `rotateWebhookSecret:${access.viewer.subject}`, valid.idempotencyKey, { id, graceSeconds: valid.graceSeconds ?? null });
    if (claim.existingId !== null) {
      const [done] = await tx.select().from(webhooks).where(eq(webhooks.id, claim.existingId));
      if (done) return done;
    }
    const [row] = await tx
      .update(webhooks)
      .set(
        graceSeconds > 0
          ? { secret: newWebhookSecret(), previousSecret: sql`${webhooks.secret}`, previousSecretExpiresAt: sql`${nowMs} + ${graceSeconds} * interval '1 second'`, updatedAt: nowMs }
          : { secret: newWebhookSecret(), previousSecret: null, previousSecretExpiresAt: null, updatedAt: nowMs },
      )
      .where(eq(webhooks.id, id))
      .returning();
    if (!row) throw notFound('input.id', 'No webhook with that ID.');
    await claim.complete(row.id);
    return row;
  });
}

/** Deletes the subscription and its outbox rows; returns whether there was one. */
export async function deleteWebhook(access: Access, id: number): Promise<boolean> {
  const deleted = await access.db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  return deleted.length > 0;
}

// --- Reads ---------------------------------------------------------------------

const isAdmin = (access: Access) => access.viewer.role === 'admin';

export async function webhooksByIds(access: Access, ids: readonly number[]): Promise<WebhookRow[]> {
  if (!isAdmin(access) || ids.length === 0) return [];
  return access.db.select().from(webhooks).where(anyOf(webhooks.id, ids));
}

export const webhookOrder: readonly SortKey[] = [{ expr: webhooks.id, direction: 'asc', kind: 'int' }];

export async function webhooksPage(access: Access, page: Page): Promise<Connection<WebhookRow>> {
  if (!isAdmin(access)) return toConnection([], page, () => []);
  const rows = await access.db.select().from(webhooks).where(afterCursor(webhookOrder, page)).orderBy(orderFor(webhookOrder, page)).limit(page.limit + 1);
  return toConnection(rows, page, (w) => [w.id]);
}

export interface WebhookDelivery extends WebhookDeliveryRow {
  kind: string;
  storyId: number;
  sequence: number;
}

// A delivery is not tried before its subscription's backoff (after a slow answer) ends either.
const deliverySelect = sql`d.*, greatest(d.next_attempt_at, w.backoff_until) as next_due, ev.kind, ev.story_id, ev.seq`;
const deliveryFrom = sql`webhook_deliveries d join story_events ev on ev.id = d.event_id join webhooks w on w.id = d.webhook_id`;

interface DeliveryRowSql {
  id: string | number;
  delivery_id: string;
  webhook_id: number;
  event_id: string | number;
  attempts: number;
  next_attempt_at: string | Date;
  next_due: string | Date;
  lease_owner: string | null;
  lease_until: string | Date | null;
  last_attempt_at: string | Date | null;
  last_status: number | null;
  last_error: WebhookErrorKind | null;
  delivered_at: string | Date | null;
  created_at: string | Date;
  kind: string;
  story_id: number;
  seq: string | number;
}

const date = (v: string | Date | null) => (v === null ? null : new Date(v));

function toDelivery(r: DeliveryRowSql): WebhookDelivery {
  return {
    id: Number(r.id),
    deliveryId: r.delivery_id,
    webhookId: r.webhook_id,
    eventId: Number(r.event_id),
    attempts: r.attempts,
    nextAttemptAt: date(r.next_due)!,
    leaseOwner: r.lease_owner,
    leaseUntil: date(r.lease_until),
    lastAttemptAt: date(r.last_attempt_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    deliveredAt: date(r.delivered_at),
    createdAt: date(r.created_at)!,
    kind: r.kind,
    storyId: r.story_id,
    sequence: Number(r.seq),
  };
}

/** The most recently attempted delivery of each webhook, one statement for many. */
export async function lastDeliveries(access: Access, webhookIds: readonly number[]): Promise<(WebhookDelivery | null)[]> {
  if (!isAdmin(access) || webhookIds.length === 0) return webhookIds.map(() => null);
  const rows = await queryRows<DeliveryRowSql>(
    access.db,
    sql`select distinct on (d.webhook_id) ${deliverySelect}
        from ${deliveryFrom}
        where ${anyOf(sql`d.webhook_id`, webhookIds)} and d.last_attempt_at is not null
        order by d.webhook_id, d.last_attempt_at desc, d.id desc`,
  );
  const byWebhook = new Map(rows.map((r) => [r.webhook_id, toDelivery(r)]));
  return webhookIds.map((id) => byWebhook.get(id) ?? null);
}

/** Deliveries waiting (not yet acknowledged) per webhook. */
export async function pendingCounts(access: Access, webhookIds: readonly number[]): Promise<number[]> {
  if (!isAdmin(access) || webhookIds.length === 0) return webhookIds.map(() => 0);
  const rows = await access.db
    .select({ webhookId: webhookDeliveries.webhookId, n: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(and(anyOf(webhookDeliveries.webhookId, webhookIds), isNull(webhookDeliveries.deliveredAt)))
    .groupBy(webhookDeliveries.webhookId);
  const counts = new Map(rows.map((r) => [r.webhookId, Number(r.n)]));
  return webhookIds.map((id) => counts.get(id) ?? 0);
}

export const deliveryOrder: readonly SortKey[] = [{ expr: sql`d.id`, direction: 'desc', kind: 'int', nulls: 'last' }];

/** Each webhook's page of deliveries, newest first, in one statement (row_number() per webhook keeps each page). */
export async function deliveriesPages(access: Access, webhookIds: readonly number[], page: Page): Promise<Connection<WebhookDelivery>[]> {
  if (!isAdmin(access) || webhookIds.length === 0) return webhookIds.map(() => toConnection([], page, () => []));
  const after = afterCursor(deliveryOrder, page);
  const rows = await queryRows<DeliveryRowSql>(
    access.db,
    sql`select * from (
          select ${deliverySelect}, ${rowNumber(sql`d.webhook_id`, deliveryOrder, page)} as rn
          from ${deliveryFrom}
          where ${anyOf(sql`d.webhook_id`, webhookIds)} ${after ? sql`and ${after}` : sql``}
        ) ranked
        where rn <= ${page.limit + 1}
        order by webhook_id, rn`,
  );
  return toConnections(webhookIds, rows.map(toDelivery), (d) => d.webhookId, page, (d) => [d.id]);
}

/** What `lastDelivery.error` says of a category: no address, no port, no system message. */
export function describeDeliveryError(kind: WebhookErrorKind, status: number | null): string {
  switch (kind) {
    case 'refused':
      return 'connection refused';
    case 'timeout':
      return 'no answer in time (WEBHOOK_TIMEOUT_MS)';
    case 'tls':
      return 'TLS failed (handshake or certificate)';
    case 'dns':
      return 'the host name did not resolve';
    case 'blocked':
      return 'blocked: the host is not one webhooks may reach (a private, loopback or otherwise non-public address)';
    case 'network':
      return 'the connection failed (reset or unreachable)';
    case 'http_status':
      return status !== null && status >= 300 && status < 400 ? `the receiver answered HTTP ${status} (redirects are not followed)` : `the receiver answered HTTP ${status}`;
    case 'slow':
      return 'acknowledged, but slower than WEBHOOK_SLOW_MS: counted as a failure (the next delivery waits out a backoff)';
  }
}
