/**
 * The read side of the story event log: loading events with what
 * subscribers need of them, the entry and what it mentions. Used for live
 * dispatch (once per instance per event) and for replays after a cursor.
 * The write side is ./append-event.ts.
 */
import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Db } from '../db/client.js';
import { type Entry, entryColumns } from '../db/columns.js';
import { type MentionableKind, mentionable } from '../db/mentionables.js';
import { type StoryEventRow, entries, storyEvents } from '../db/schema.js';

export interface LiveEvent {
  row: StoryEventRow;
  /** The entry as it was when the event was loaded; null for story-level events. */
  entry: Entry | null;
  /** The people and places that entry mentioned, by kind. */
  mentions: Readonly<Record<MentionableKind, ReadonlySet<number>>>;
}

/** Whether a subscription's payload is a story event (rather than a plain value). */
export function isLiveEvent(value: unknown): value is LiveEvent {
  return typeof value === 'object' && value !== null && 'row' in value && 'mentions' in value;
}

export async function loadEvents(db: Db, storyId: number, afterSeq: number, options: { upToSeq?: number; limit: number }): Promise<LiveEvent[]> {
  const rows = await db
    .select()
    .from(storyEvents)
    .where(and(eq(storyEvents.storyId, storyId), gt(storyEvents.seq, afterSeq), options.upToSeq === undefined ? undefined : lte(storyEvents.seq, options.upToSeq)))
    .orderBy(asc(storyEvents.seq))
    .limit(options.limit);
  const entryIds = [...new Set(rows.map((r) => r.entryId).filter((id): id is number => id !== null))];
  const linksOf = async (kind: MentionableKind) => {
    const { link, targetId } = mentionable(kind);
    return db.select({ entryId: link.entryId, id: targetId }).from(link).where(anyOf(link.entryId, entryIds));
  };
  const [entryRows, personLinks, placeLinks] = entryIds.length
    ? await Promise.all([db.select(entryColumns).from(entries).where(anyOf(entries.id, entryIds)), linksOf('Person'), linksOf('Place')])
    : [[], [], []];
  const byId = new Map(entryRows.map((e) => [e.id, e]));
  const links = { Person: personLinks, Place: placeLinks };
  const idsOf = (kind: MentionableKind, entryId: number | null) => new Set(links[kind].filter((l) => l.entryId === entryId).map((l) => l.id));
  return rows.map((row) => ({
    row,
    entry: row.entryId === null ? null : (byId.get(row.entryId) ?? null),
    mentions: { Person: idsOf('Person', row.entryId), Place: idsOf('Place', row.entryId) },
  }));
}
