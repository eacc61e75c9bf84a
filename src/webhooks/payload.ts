/**
 * The JSON body of a webhook delivery: the event as the live stream tells
 * it, with the entry as the event left it (story_events.snapshot). A
 * retracted entry's text is never sent, as no reader sees it.
 */
import { encodeEventCursor } from '../live/event-cursor.js';
import { encodeGlobalId } from '../global-id.js';

/** One claimed delivery, as the claim statement returns it (snake_case, from PostgreSQL). */
export interface ClaimedDelivery {
  id: number;
  delivery_id: string;
  attempts: number;
  webhook_id: number;
  url: string;
  secret: string;
  /** The secret before the last rotation, while its grace period lasts; else null. */
  previous_secret: string | null;
  /** The subscription's failed (or slow) attempts in a row before this one. */
  failures: number;
  kind: string;
  seq: number;
  /** The event's number among the story's public events: partners number events as readers do. */
  public_seq: number;
  story_id: number;
  slug: string;
  occurred_at: string | Date;
  /** The entry's columns as to_jsonb wrote them; null for story-level events. */
  entry: Record<string, unknown> | null;
}

const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());

export function deliveryBody(d: ClaimedDelivery): string {
  const e = d.entry;
  const retracted = e?.status === 'retracted';
  return JSON.stringify({
    deliveryId: d.delivery_id,
    webhook: encodeGlobalId('Webhook', d.webhook_id),
    event: {
      kind: d.kind.toUpperCase(),
      // As readers number them (only public events leave the building): no gap where a draft was saved.
      sequence: Number(d.public_seq),
      cursor: encodeEventCursor(Number(d.story_id), Number(d.public_seq), true),
      occurredAt: iso(d.occurred_at),
      story: { id: encodeGlobalId('Story', d.story_id), slug: d.slug },
      entry: e
        ? {
            id: encodeGlobalId('Entry', e.id as number),
            status: String(e.status).toUpperCase(),
            headline: e.headline,
            body: retracted ? null : e.body,
            revision: e.revision,
            keyEvent: e.key_event,
            pinned: e.pinned,
            author: e.author ?? null,
            correctionNote: e.correction_note ?? null,
            publishedAt: iso(e.published_at),
            updatedAt: iso(e.updated_at),
          }
        : null,
    },
  });
}
