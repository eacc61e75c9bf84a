/**
 * Loading events from the log, with what subscribers need of them: the
 * entry as it is now and its mentions. Used for live dispatch (once per
 * instance per event) and for replays after a cursor.
 */
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Db } from '../db/client.js';
import { type StoryEventRow, entries, entryPeople, entryPlaces, storyEvents } from '../db/schema.js';
import { type Entry, entryColumns } from '../loaders/entries.js';

export interface LiveEvent {
  row: StoryEventRow;
  /** The entry as it was when the event was loaded; null for story-level events. */
  entry: Entry | null;
  peopleIds: ReadonlySet<number>;
  placeIds: ReadonlySet<number>;
  /**
   * Work shared by every subscriber that receives this very object (see
   * src/yoga/live-execution.ts): contexts and results per distinct operation.
   */
  shared: Map<unknown, unknown>;
}

export async function loadEvents(db: Db, storyId: number, afterSeq: number, options: { upToSeq?: number; limit: number }): Promise<LiveEvent[]> {
  const rows = await db
    .select()
    .from(storyEvents)
    .where(and(eq(storyEvents.storyId, storyId), gt(storyEvents.seq, afterSeq), options.upToSeq === undefined ? undefined : lte(storyEvents.seq, options.upToSeq)))
    .orderBy(asc(storyEvents.seq))
    .limit(options.limit);
  const entryIds = [...new Set(rows.map((r) => r.entryId).filter((id): id is number => id !== null))];
  const [entryRows, personLinks, placeLinks] = entryIds.length
    ? await Promise.all([
        db.select(entryColumns).from(entries).where(anyOf(entries.id, entryIds)),
        db.select({ entryId: entryPeople.entryId, id: entryPeople.personId }).from(entryPeople).where(anyOf(entryPeople.entryId, entryIds)),
        db.select({ entryId: entryPlaces.entryId, id: entryPlaces.placeId }).from(entryPlaces).where(anyOf(entryPlaces.entryId, entryIds)),
      ])
    : [[], [], []];
  const byId = new Map(entryRows.map((e) => [e.id, e]));
  const linksOf = (links: { entryId: number; id: number }[], entryId: number | null) => new Set(links.filter((l) => l.entryId === entryId).map((l) => l.id));
  return rows.map((row) => ({
    row,
    entry: row.entryId === null ? null : (byId.get(row.entryId) ?? null),
    peopleIds: linksOf(personLinks, row.entryId),
    placeIds: linksOf(placeLinks, row.entryId),
    shared: new Map(),
  }));
}

/** Event cursors: opaque, tied to their story, increasing with the story's sequence. */
export function encodeEventCursor(storyId: number, seq: number): string {
  return Buffer.from(`${storyId}:${seq}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string): { storyId: number; seq: number } | null {
  if (cursor.length > 60 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^([1-9][0-9]{0,9}):(0|[1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { storyId: Number(match[1]), seq: Number(match[2]) } : null;
}
