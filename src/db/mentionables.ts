/**
 * People and places are both "mentionable": an entry links to them through
 * a table of its own (entry_people, entry_places), and every list, filter
 * and link over those tables is the same statement with other names. This
 * module says which names, once; loaders and editing are written against it
 * instead of spelling out a Person branch and a Place branch each time.
 */
import { type Placeholder, type SQL, and, eq, sql } from 'drizzle-orm';
import type { Tx } from './client.js';
import { type MentionKindName, type PersonRow, type PlaceRow, entries, entryPeople, entryPlaces, people, places } from './schema.js';

export const MENTIONABLE_KINDS = ['Person', 'Place'] as const;
export type MentionableKind = (typeof MENTIONABLE_KINDS)[number];
export type MentionableRow<K extends MentionableKind> = K extends 'Person' ? PersonRow : PlaceRow;

/** A person or a place, as an argument names it. */
export interface MentionTarget<K extends MentionableKind = MentionableKind> {
  typename: K;
  id: number;
}

const tables = {
  Person: { table: people, link: entryPeople, targetId: entryPeople.personId },
  Place: { table: places, link: entryPlaces, targetId: entryPlaces.placeId },
} as const;

/**
 * The tables of a kind. Both kinds have the same query shape (an id, a slug,
 * a name; a link table of entry id, target id and creation time), so a query
 * is typed against the Person tables and its rows re-typed by the caller's
 * signature: the one place where the two kinds are treated as one.
 */
export function mentionable(kind: MentionableKind): (typeof tables)['Person'] {
  return tables[kind] as unknown as (typeof tables)['Person'];
}

/** How the database names the kind (catalog_redirects, mention_rejections). */
export const kindName = (kind: MentionableKind): MentionKindName => (kind === 'Person' ? 'person' : 'place');

/**
 * A place and every place inside it, however deep (a region, its districts,
 * their villages), as a subquery of ids. Cycles are refused when places are
 * edited (src/editing/catalog.ts), and `union` stops on one anyway.
 */
export function placeAndInside(placeId: number | Placeholder): SQL {
  return sql`(with recursive inside(id) as (
    select ${placeId}::int
    union
    select p.id from ${places} p join inside on p.parent_id = inside.id
  ) select id from inside)`;
}

/**
 * Entries that mention the target, as a condition on `entries`. A place
 * counts as mentioned when the entry names it or any place inside it: who
 * follows a region wants its villages. Its id may be a placeholder (see ./prepared.ts).
 */
export function mentions(target: MentionTarget | { typename: MentionableKind; id: Placeholder }): SQL {
  const { link, targetId } = mentionable(target.typename);
  if (target.typename === 'Place') return sql`exists (select 1 from ${link} where ${link.entryId} = ${entries.id} and ${targetId} in ${placeAndInside(target.id)})`;
  return sql`exists (select 1 from ${link} where ${link.entryId} = ${entries.id} and ${targetId} = ${target.id})`;
}

/** Links an entry and a target; returns whether a link was added (false when it existed). */
export async function addMention(tx: Tx, entryId: number, target: MentionTarget): Promise<boolean> {
  const inserted =
    target.typename === 'Person'
      ? await tx.insert(entryPeople).values({ entryId, personId: target.id }).onConflictDoNothing().returning({ entryId: entryPeople.entryId })
      : await tx.insert(entryPlaces).values({ entryId, placeId: target.id }).onConflictDoNothing().returning({ entryId: entryPlaces.entryId });
  return inserted.length > 0;
}

/** Removes a link; returns whether there was one. */
export async function removeMention(tx: Tx, entryId: number, target: MentionTarget): Promise<boolean> {
  const { link, targetId } = mentionable(target.typename);
  const deleted = await tx.delete(link).where(and(eq(link.entryId, entryId), eq(targetId, target.id))).returning({ entryId: link.entryId });
  return deleted.length > 0;
}
