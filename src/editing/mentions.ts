/** Mentions: which people and places an entry is about. Tickers hear of a change as an update of the entry. */
import { and, eq, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import type { Tx } from '../db/client.js';
import { type MentionTarget, addMention, removeMention } from '../db/mentionables.js';
import { type EntryRow, entryPeople, entryPlaces, mentionRejections } from '../db/schema.js';
import { withConstraintErrors } from './database-errors.js';
import { lockEntry, touchEntry } from './entries.js';

const kindName = (target: MentionTarget) => (target.typename === 'Person' ? 'person' : 'place');

/**
 * What the editor decided, for linking on publish (src/editing/auto-link.ts)
 * to respect: an unlinked target is not linked again by linking, and a link
 * the editor made (even over an automatic one) is theirs and stays.
 */
async function recordDecision(tx: Tx, entryId: number, target: MentionTarget, linked: boolean): Promise<void> {
  const rejection = { entryId, kind: kindName(target), targetId: target.id } as const;
  if (!linked) {
    await tx.insert(mentionRejections).values(rejection).onConflictDoNothing();
    return;
  }
  await tx
    .delete(mentionRejections)
    .where(and(eq(mentionRejections.entryId, entryId), eq(mentionRejections.kind, rejection.kind), eq(mentionRejections.targetId, target.id)));
  if (target.typename === 'Person') await tx.update(entryPeople).set({ automatic: false }).where(and(eq(entryPeople.entryId, entryId), eq(entryPeople.personId, target.id), sql`${entryPeople.automatic}`));
  else await tx.update(entryPlaces).set({ automatic: false }).where(and(eq(entryPlaces.entryId, entryId), eq(entryPlaces.placeId, target.id), sql`${entryPlaces.automatic}`));
}

/** Links (or unlinks) an entry and a person or place; an unchanged link records nothing. */
export async function setMention(access: Access, entryId: number, target: MentionTarget, linked: boolean): Promise<EntryRow> {
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const { story, entry } = await lockEntry(tx, entryId, 'input.entry');
      const changed = linked ? await addMention(tx, entryId, target) : await removeMention(tx, entryId, target);
      await recordDecision(tx, entryId, target, linked);
      return changed ? touchEntry(tx, access, story, entry.id) : entry;
    }),
  );
}
