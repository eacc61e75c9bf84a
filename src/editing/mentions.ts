/** Mentions: which people and places an entry is about. Tickers hear of a change as an update of the entry. */
import type { Access } from '../access.js';
import { type MentionTarget, addMention, removeMention } from '../db/mentionables.js';
import type { EntryRow } from '../db/schema.js';
import { withConstraintErrors } from './database-errors.js';
import { lockEntry, touchEntry } from './entries.js';

/** Links (or unlinks) an entry and a person or place; an unchanged link records nothing. */
export async function setMention(access: Access, entryId: number, target: MentionTarget, linked: boolean): Promise<EntryRow> {
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const { story, entry } = await lockEntry(tx, entryId, 'input.entry');
      const changed = linked ? await addMention(tx, entryId, target) : await removeMention(tx, entryId, target);
      return changed ? touchEntry(tx, access, story, entry.id) : entry;
    }),
  );
}
