/**
 * The story event log: every change a ticker must see appends one row, in
 * the transaction that makes the change.
 *
 * Ordering: `seq` must increase in commit order within a story, which a
 * serial id does not guarantee (two transactions can take ids 7 and 8 and
 * commit 8 first, so a reader that saw 8 would skip 7 for ever). A writer
 * therefore takes the story's row lock first (`lockStory`); every other
 * writer of that story waits for it to commit or roll back, so the seq it
 * reads and bumps afterwards is always higher than any committed one.
 * Writers of different stories never wait for each other.
 *
 * Delivery: pg_notify is transactional, so listeners hear of the event only
 * once it is committed, and never if it rolls back.
 *
 * Webhooks: a trigger on story_events (migration webhook_outbox_trigger)
 * writes the event's webhook deliveries in this same transaction.
 */
import { eq, sql } from 'drizzle-orm';
import { type Tx, noteEventAppended } from '../db/client.js';
import { type StoryEventKind, type StoryEventRow, type StoryRow, nowMs, stories, storyEvents } from '../db/schema.js';

/** Lower-case: PGlite does not quote LISTEN channel names. */
export const EVENTS_CHANNEL = 'diretta_story_events';

/** Locks the story row until the transaction ends; returns the story, or undefined if there is none. */
export async function lockStory(tx: Tx, storyId: number): Promise<StoryRow | undefined> {
  const [story] = await tx.select().from(stories).where(eq(stories.id, storyId)).for('update');
  return story;
}

export interface NewEvent {
  storyId: number;
  kind: StoryEventKind;
  entryId: number | null;
  /** False for changes to drafts: only editors receive them. */
  public: boolean;
  actor: string | null;
  /** Defaults to now; the demo seed replays its own times. */
  occurredAt?: Date;
}

/**
 * The entry as the transaction leaves it, with the people and places it
 * mentions, taken inside the same statement as the event (no extra round
 * trip). Callers append the event after their last change to the entry.
 */
const snapshotOf = (entryId: number) => sql`(
  select jsonb_build_object(
    'entry', to_jsonb(e) - 'search_vector' - 'search_config',
    'people', coalesce((select jsonb_agg(l.person_id order by l.person_id) from entry_people l where l.entry_id = e.id), '[]'::jsonb),
    'places', coalesce((select jsonb_agg(l.place_id order by l.place_id) from entry_places l where l.entry_id = e.id), '[]'::jsonb)
  )
  from entries e where e.id = ${entryId}
)`;

/**
 * The NOTIFY payload: `storyId:seq`, then what the event touched, for the
 * response caches of every instance (src/plugins/cache-scope.ts):
 * `:entryId:people:places:` and the speakers of the entry's quotes (those
 * come from SQL, in the same statement), lists comma-separated.
 */
function notifyPayload(row: StoryEventRow): string {
  const head = `${row.storyId}:${row.seq}`;
  if (row.entryId === null) return `${head}::::`;
  return `${head}:${row.entryId}:${row.snapshot?.people.join(',') ?? ''}:${row.snapshot?.places.join(',') ?? ''}:`;
}

const speakersOf = (entryId: number | null) =>
  entryId === null ? sql`''` : sql`coalesce((select string_agg(distinct speaker_id::text, ',') from quotes where entry_id = ${entryId}), '')`;

/** Appends an event; the caller must hold the story's lock (lockStory). */
export async function appendEvent(tx: Tx, event: NewEvent): Promise<StoryEventRow> {
  const at = event.occurredAt ?? nowMs;
  // What readers see of the story moves only with what they can see: a draft saved bumps the
  // editors' sequence, not the public one, nor the story's updatedAt (the JSON-LD's dateModified).
  const [bumped] = await tx
    .update(stories)
    .set(
      event.public
        ? { lastEventSeq: sql`${stories.lastEventSeq} + 1`, lastPublicSeq: sql`${stories.lastPublicSeq} + 1`, updatedAt: at }
        : { lastEventSeq: sql`${stories.lastEventSeq} + 1` },
    )
    .where(eq(stories.id, event.storyId))
    .returning({ seq: stories.lastEventSeq, publicSeq: stories.lastPublicSeq });
  if (!bumped) throw new Error(`appendEvent: story ${event.storyId} does not exist`);
  const [row] = await tx
    .insert(storyEvents)
    .values({
      storyId: event.storyId,
      seq: bumped.seq,
      kind: event.kind,
      entryId: event.entryId,
      public: event.public,
      publicSeq: bumped.publicSeq,
      actor: event.actor,
      occurredAt: at,
      snapshot: event.entryId === null ? null : snapshotOf(event.entryId),
    })
    .returning();
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${notifyPayload(row!)}::text || ${speakersOf(event.entryId)})`);
  // Counted in diretta_events_appended_total if the transaction commits.
  noteEventAppended(tx);
  return row!;
}
