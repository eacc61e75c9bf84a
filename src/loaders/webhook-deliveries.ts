/**
 * Webhook deliveries by their own key, for node(id:): what the API shows
 * admins of one delivery (src/webhooks/admin.ts lists them per webhook).
 * Others get nothing, as from every webhook read.
 */
import { getTableColumns, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { anyOf } from '../db/any-of.js';
import { storyEvents, webhookDeliveries } from '../db/schema.js';
import type { WebhookDelivery } from '../webhooks/admin.js';

export async function deliveriesByIds(access: Access, ids: readonly number[]): Promise<WebhookDelivery[]> {
  if (access.viewer.role !== 'admin' || ids.length === 0) return [];
  return access.db
    .select({ ...getTableColumns(webhookDeliveries), kind: storyEvents.kind, storyId: storyEvents.storyId, sequence: storyEvents.seq })
    .from(webhookDeliveries)
    .innerJoin(storyEvents, sql`${storyEvents.id} = ${webhookDeliveries.eventId}`)
    .where(anyOf(webhookDeliveries.id, ids));
}
