/**
 * The public history of an entry: each change to its text writes the next
 * revision, with the correction note of that change, in the transaction of
 * the change. Earlier notes stay where they were written.
 */
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { type EntryRow, entryRevisions } from '../db/schema.js';

/**
 * Records `entry` as it now is as its revision `entry.revision`; `note` is this
 * revision's own correction note. A draft has nothing to correct: a note given
 * while the entry is one is not a correction, and would otherwise go public
 * with the revision it was published at.
 */
export async function recordRevision(tx: Tx, entry: EntryRow, editor: string | null, note: string | null): Promise<void> {
  await tx.insert(entryRevisions).values({
    entryId: entry.id,
    revision: entry.revision,
    headline: entry.headline,
    body: entry.body,
    author: entry.author,
    correctionNote: entry.status === 'published' || entry.status === 'retracted' ? note : null,
    editor,
    public: entry.status === 'published',
    createdAt: entry.updatedAt,
  });
}

/** A draft going public makes the revision it is at public too: readers see what was published. */
export async function publishRevision(tx: Tx, entry: Pick<EntryRow, 'id' | 'revision'>): Promise<void> {
  await tx.update(entryRevisions).set({ public: true }).where(and(eq(entryRevisions.entryId, entry.id), eq(entryRevisions.revision, entry.revision)));
}
