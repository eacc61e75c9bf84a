/**
 * The read side of the story event log: loading events with what
 * subscribers need of them, the entry and what it mentions. Used for live
 * dispatch (once per instance per event) and for replays after a cursor.
 * The write side is ./append-event.ts.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Db } from '../db/client.js';
import { prepared } from '../db/prepared.js';
import { type Entry, entryColumns } from '../db/columns.js';
import { type MentionableKind, mentionable } from '../db/mentionables.js';
import { type EventSnapshot, type StoryEventRow, entries, storyEvents } from '../db/schema.js';
import type { DeliveryTracker } from './delivery-tracker.js';

export interface LiveEvent {
  row: StoryEventRow;
  /** The entry as the event left it (as it is now for events older than snapshots); null for story-level events. */
  entry: Entry | null;
  /** The people and places that entry mentioned at the event, by kind. */
  mentions: Readonly<Record<MentionableKind, ReadonlySet<number>>>;
  /** Set by the live bus on an event it dispatches: when its subscribers are done with it (./delivery-tracker.ts). */
  delivery?: DeliveryTracker;
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
  // Events written before snapshots existed show the entry as it is now, as they always did.
  const unsnapped = [...new Set(rows.filter((r) => r.entryId !== null && !r.snapshot).map((r) => r.entryId!))];
  const linksOf = async (kind: MentionableKind) => {
    const { link, targetId } = mentionable(kind);
    return db.select({ entryId: link.entryId, id: targetId }).from(link).where(anyOf(link.entryId, unsnapped));
  };
  const [entryRows, personLinks, placeLinks] = await Promise.all([
    entryIds.length ? db.select(entryColumns).from(entries).where(anyOf(entries.id, entryIds)) : [],
    unsnapped.length ? linksOf('Person') : [],
    unsnapped.length ? linksOf('Place') : [],
  ]);
  const current = new Map(entryRows.map((e) => [e.id, e]));
  const links = { Person: personLinks, Place: placeLinks };
  const idsOf = (kind: MentionableKind, entryId: number | null) => new Set(links[kind].filter((l) => l.entryId === entryId).map((l) => l.id));
  return rows.map((row): LiveEvent => {
    if (row.entryId === null) return { row, entry: null, mentions: { Person: new Set(), Place: new Set() } };
    const now = current.get(row.entryId) ?? null;
    if (!row.snapshot || !now) return { row, entry: now, mentions: { Person: idsOf('Person', row.entryId), Place: idsOf('Place', row.entryId) } };
    return { row, entry: redacted(entryFromSnapshot(row.snapshot), now), mentions: { Person: new Set(row.snapshot.people), Place: new Set(row.snapshot.places) } };
  });
}

/** The position in the whole log of the story's public event number `publicSeq` (readers' numbering), or null. */
export async function seqOfPublicEvent(db: Db, storyId: number, publicSeq: number): Promise<number | null> {
  // Built once: every reader that resumes from its cursor runs it (thousands at once after a restart).
  const [event] = await prepared(db, 'seqOfPublicEvent', () =>
    db
      .select({ seq: storyEvents.seq })
      .from(storyEvents)
      .where(and(eq(storyEvents.storyId, sql.placeholder('storyId')), eq(storyEvents.publicSeq, sql.placeholder('publicSeq')), eq(storyEvents.public, true))),
  ).execute({ storyId, publicSeq });
  return event?.seq ?? null;
}

const DATE_COLUMNS = new Set(['publishedAt', 'publishAt', 'takenDownAt', 'createdAt', 'updatedAt', 'sortAt']);

/** The snapshot's snake_case JSON back into the row shape loaders return. */
function entryFromSnapshot(snapshot: EventSnapshot): Entry {
  const entry: Record<string, unknown> = {};
  for (const key of Object.keys(entryColumns)) {
    const value = snapshot.entry[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] ?? null;
    entry[key] = DATE_COLUMNS.has(key) && typeof value === 'string' ? new Date(value) : value;
  }
  return entry as Entry;
}

/**
 * An entry retracted since the event: the event still counts (filters see
 * what the live stream saw) but shows nothing the retraction took down.
 */
export function redacted(atEvent: Entry, now: Entry): Entry {
  // A legal takedown erased the text from the log too; an entry object still in memory must not bring it back.
  if (now.takenDownAt) {
    const { headline, body, author, correctionNote, sources, media, takenDownAt, takedownReason } = now;
    return { ...atEvent, status: 'retracted', headline, body, author, correctionNote, sources, media, takenDownAt, takedownReason };
  }
  return now.status === 'retracted' && atEvent.status !== 'retracted' ? { ...atEvent, status: 'retracted' } : atEvent;
}
