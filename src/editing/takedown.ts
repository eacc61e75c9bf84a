/**
 * Legal takedown (admins): an entry's text must leave the system, not just
 * the page. In one transaction under the story's lock: the entry becomes a
 * tombstone that keeps only its time, its place in the story and the reason
 * (public if readers saw the entry, a draft for editors' eyes if they never did);
 * everything it carried — headline, body, byline, notes, images, sources,
 * quotes, mentions (and the mentions editors had refused) — is erased from the
 * entry, from its revisions and from the entry as stored in every earlier
 * event's snapshot (which replays and webhook deliveries read); and a
 * TAKEN_DOWN event tells tickers to drop it (caches drop what they hold of the
 * story on that event, as on any other).
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Access } from '../access.js';
import { type EntryRow, entries, entryPeople, entryPlaces, entryRevisions, mentionRejections, nowMs, quotes, storyEvents } from '../db/schema.js';
import { appendEntryEvent, lockEntry, unpinStory, unpublished } from './entries.js';
import { parseInput, prose } from './validation.js';

/** What stands in for erased text (headline and body must not be empty). */
export const ERASED_TEXT = '[removed]';

/** What a taken-down entry keeps of what it carried: the row, and every event snapshot, get these values. */
export const ERASED_CONTENT = { headline: ERASED_TEXT, body: ERASED_TEXT, author: null, correctionNote: null, sources: [], media: [] };

/** ERASED_CONTENT as the snapshots' snake_case JSON (to_jsonb of the row). */
const erasedSnapshotEntry = JSON.stringify(Object.fromEntries(Object.entries(ERASED_CONTENT).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value])));

const takedownSchema = z.object({ reason: prose(1_000) });

export async function takeDownEntry(access: Access, id: number, reason: string): Promise<EntryRow> {
  const valid = parseInput(takedownSchema, { reason });
  return access.db.transaction(async (tx) => {
    const { story, entry } = await lockEntry(tx, id);
    // Readers never saw a draft or a scheduled entry: it goes down as a draft (unscheduled), with no public tombstone.
    const neverPublic = unpublished(entry);
    if (entry.pinned) await unpinStory(tx, access, story);
    await tx.delete(quotes).where(eq(quotes.entryId, id));
    await tx.delete(entryPeople).where(eq(entryPeople.entryId, id));
    await tx.delete(entryPlaces).where(eq(entryPlaces.entryId, id));
    // A refused mention says who the entry was about, too; and a tombstone is never linked again.
    await tx.delete(mentionRejections).where(eq(mentionRejections.entryId, id));
    await tx.update(entryRevisions).set({ headline: ERASED_TEXT, body: ERASED_TEXT, author: null, correctionNote: null }).where(eq(entryRevisions.entryId, id));
    // The log keeps each event's other facts (key event, pinned, status), so filters still replay alike.
    await tx
      .update(storyEvents)
      .set({
        snapshot: sql`jsonb_set(jsonb_set(${storyEvents.snapshot}, '{entry}', (${storyEvents.snapshot} -> 'entry') || ${erasedSnapshotEntry}::jsonb), '{people}', '[]'::jsonb) || jsonb_build_object('places', '[]'::jsonb)`,
      })
      .where(sql`${storyEvents.entryId} = ${id} and ${storyEvents.snapshot} is not null`);
    const [updated] = await tx
      .update(entries)
      .set({
        ...(neverPublic ? { status: 'draft' as const, publishAt: null } : { status: 'retracted' as const }),
        ...ERASED_CONTENT,
        pinned: false,
        takenDownAt: nowMs,
        takedownReason: valid.reason,
        updatedAt: nowMs,
      })
      .where(eq(entries.id, id))
      .returning();
    await appendEntryEvent(tx, access, story, updated!, 'taken_down');
    return updated!;
  });
}
