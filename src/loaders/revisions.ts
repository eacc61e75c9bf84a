/**
 * An entry's revisions, newest first. Readers see the public revisions of
 * entries they can read the content of (published ones); editors see all.
 * Each entry object carries its own revision number, and only revisions up
 * to it are listed: an entry as a past event showed it has the history it
 * had then, so a replay lists what the live stream listed.
 */
import { type SQL, and, lte, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { type EntryRevisionRow, entries, entryRevisions } from '../db/schema.js';
import { entryContentVisible } from '../db/visibility.js';
import { canSeeUnpublished } from '../viewer.js';
import { type Connection, type Page, type SortKey, afterCursor, groupRows, rowNumber, toConnections } from './keyset.js';

export interface RevisionKey {
  entryId: number;
  /** The entry's revision as the caller holds it: later revisions are not listed. */
  upTo: number;
}

export const revisionOrder: SortKey[] = [{ expr: entryRevisions.revision, direction: 'desc', kind: 'int' }];
const revisionSortValues = (r: EntryRevisionRow) => [r.revision];

function visible(access: Access): SQL | undefined {
  return canSeeUnpublished(access.viewer) ? undefined : and(sql`${entryRevisions.public}`, entryContentVisible(access.viewer));
}

/** `(entry_id, up_to, idx)` rows of the keys, as one pair of array parameters (one statement for any batch). */
const keyTable = (keys: readonly RevisionKey[]) =>
  sql`unnest(${sql.param(keys.map((k) => k.entryId))}::int[], ${sql.param(keys.map((k) => k.upTo))}::int[]) with ordinality as k(entry_id, up_to, idx)`;

/** One page of revisions per key, in one statement. */
export async function entryRevisionPages(access: Access, keys: readonly RevisionKey[], page: Page, correctionsOnly: boolean): Promise<Connection<EntryRevisionRow>[]> {
  const idx = sql<number>`k.idx`;
  const ranked = access.db
    .select({
      id: entryRevisions.id,
      entryId: entryRevisions.entryId,
      revision: entryRevisions.revision,
      headline: entryRevisions.headline,
      body: entryRevisions.body,
      author: entryRevisions.author,
      correctionNote: entryRevisions.correctionNote,
      editor: entryRevisions.editor,
      public: entryRevisions.public,
      createdAt: entryRevisions.createdAt,
      idx: sql<number>`k.idx::int`.as('idx'),
      rn: rowNumber(idx, revisionOrder, page).as('rn'),
    })
    .from(entryRevisions)
    .innerJoin(keyTable(keys), sql`k.entry_id = ${entryRevisions.entryId} and ${entryRevisions.revision} <= k.up_to`)
    .innerJoin(entries, sql`${entries.id} = ${entryRevisions.entryId}`)
    .where(and(visible(access), correctionsOnly ? sql`${entryRevisions.correctionNote} is not null` : undefined, afterCursor(revisionOrder, page)))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.idx, ranked.rn);
  const positions = keys.map((_k, i) => i + 1);
  return toConnections(positions, rows, (r) => Number(r.idx), page, revisionSortValues);
}

/** Revisions by their own key (node(id:)), as the viewer may see them: a reader only the public revisions of entries whose text is public. */
export async function revisionsByIds(access: Access, ids: readonly number[]): Promise<EntryRevisionRow[]> {
  if (ids.length === 0) return [];
  const rows = await access.db
    .select()
    .from(entryRevisions)
    .innerJoin(entries, sql`${entries.id} = ${entryRevisions.entryId}`)
    .where(and(sql`${entryRevisions.id} = any(${sql.param([...ids])}::int[])`, visible(access)));
  return rows.map((r) => r.entry_revisions);
}

/** The public correction notes of each entry, oldest first, in one statement (the JSON-LD's `correction`). */
export async function publicCorrections(access: Access, entryIds: readonly number[]): Promise<EntryRevisionRow[][]> {
  const rows = await access.db
    .select()
    .from(entryRevisions)
    .innerJoin(entries, sql`${entries.id} = ${entryRevisions.entryId}`)
    .where(
      and(
        sql`${entryRevisions.entryId} = any(${sql.param([...entryIds])}::int[])`,
        sql`${entryRevisions.public}`,
        sql`${entryRevisions.correctionNote} is not null`,
        entryContentVisible({ role: 'reader', subject: null }),
      ),
    )
    .orderBy(entryRevisions.entryId, entryRevisions.revision);
  return groupRows(
    entryIds,
    rows.map((r) => r.entry_revisions),
    (r) => r.entryId,
  );
}
