/**
 * What people and places share as loaders: fetching by id and slug,
 * alphabetical pages, the mentions of each entry, and each story's most
 * mentioned. One function per access path, for either kind (see
 * src/db/mentionables.ts for how the kinds map to tables).
 */
import { type SQL, and, asc, desc, eq, getTableColumns, like, lte, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { anyOf } from '../db/any-of.js';
import type { Db, Tx } from '../db/client.js';
import { type MentionableKind, type MentionableRow, kindName, mentionable } from '../db/mentionables.js';
import { anyOfPlaceholder, prepared } from '../db/prepared.js';
import { catalogRedirects, entries } from '../db/schema.js';
import { entryContentVisible, visibilityKey } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, groupRows, orderFor, rowNumber, toConnection, toConnections } from './keyset.js';

export async function mentionablesByIds<K extends MentionableKind>(access: Access, kind: K, ids: readonly number[]): Promise<MentionableRow<K>[]> {
  const { table } = mentionable(kind);
  return (await prepared(access.db, `mentionablesByIds:${kind}`, () => access.db.select().from(table).where(anyOfPlaceholder(table.id))).execute({ ids })) as MentionableRow<K>[];
}

export async function mentionableBySlug<K extends MentionableKind>(access: Access, kind: K, slug: string): Promise<MentionableRow<K> | undefined> {
  const { table } = mentionable(kind);
  const [row] = await prepared(access.db, `mentionableBySlug:${kind}`, () => access.db.select().from(table).where(eq(table.slug, sql.placeholder('slug')))).execute({ slug });
  return row as MentionableRow<K> | undefined;
}

/** Where each of `ids` was merged into, for those merged (catalog_redirects, src/editing/catalog-merge.ts): loser id → winner id. */
export async function mergedInto(db: Db | Tx, kind: MentionableKind, ids: readonly number[]): Promise<Map<number, number>> {
  const rows = await db
    .select({ from: catalogRedirects.fromId, to: catalogRedirects.toId })
    .from(catalogRedirects)
    .where(and(eq(catalogRedirects.kind, kindName(kind)), anyOf(catalogRedirects.fromId, ids)));
  return new Map(rows.map((r) => [r.from, r.to]));
}

/**
 * The row of each id, in the order of `ids` (null where none): an id merged
 * into another gives the row it was merged into. Merges are looked up only
 * for ids that are not rows, so a hit costs nothing more.
 */
export async function mentionablesByIdsFollowingMerges<K extends MentionableKind>(access: Access, kind: K, ids: readonly number[]): Promise<(MentionableRow<K> | null)[]> {
  const byId = new Map<number, MentionableRow<K>>((await mentionablesByIds(access, kind, ids)).map((row) => [row.id, row]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    const merged = await mergedInto(access.db, kind, missing);
    const winners = [...new Set(merged.values())].filter((id) => !byId.has(id));
    if (winners.length > 0) for (const row of await mentionablesByIds(access, kind, winners)) byId.set(row.id, row);
    for (const [from, to] of merged) {
      const row = byId.get(to);
      if (row) byId.set(from, row);
    }
  }
  return ids.map((id) => byId.get(id) ?? null);
}

/** The person or place a slug belonged to before it was merged into another: that other one (the latest merge of the slug wins). */
export async function mentionableByMergedSlug<K extends MentionableKind>(access: Access, kind: K, slug: string): Promise<MentionableRow<K> | undefined> {
  const { table } = mentionable(kind);
  const [row] = await access.db
    .select({ target: table })
    .from(catalogRedirects)
    .innerJoin(table, eq(table.id, catalogRedirects.toId))
    .where(and(eq(catalogRedirects.kind, kindName(kind)), eq(catalogRedirects.fromSlug, slug)))
    .orderBy(desc(catalogRedirects.mergedAt))
    .limit(1);
  return row?.target as MentionableRow<K> | undefined;
}

const lowerName = (kind: MentionableKind) => sql`lower(${mentionable(kind).table.name}) collate "C"`;

/** Alphabetical, case-insensitive, with the id as tie-breaker. */
export function nameOrder(kind: MentionableKind): SortKey[] {
  return [
    { expr: lowerName(kind), direction: 'asc', kind: 'string' },
    { expr: mentionable(kind).table.id, direction: 'asc', kind: 'int' },
  ];
}
export const nameSortValues = (row: { name: string; id: number }) => [row.name.toLowerCase(), row.id];

/** Names starting with `prefix`, case-insensitive; LIKE's wildcards in it match literally. */
export function nameStartsWith(kind: MentionableKind, prefix: string): SQL {
  return like(lowerName(kind), `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/**
 * `haystack` contains `needle` anywhere, case- and accent-insensitive:
 * both sides go through diretta_fold (drizzle/0004), so they fold alike on
 * PGlite and PostgreSQL; LIKE's wildcards in the needle match literally.
 */
export function foldedContains(haystack: SQL, needle: string): SQL {
  const escaped = needle.replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql`${haystack} like ('%' || diretta_fold(${escaped}) || '%')`;
}

/** The longest search text accepted (names are at most 200 characters; a longer search can only miss). */
export const MAX_SEARCH = 200;

/** People (or places) whose name or one of whose aliases contains `search` (the folded column of drizzle/0005). */
export function nameOrAliasContains(kind: MentionableKind, search: string): SQL {
  return foldedContains(sql`${mentionable(kind).table.searchNames}`, search);
}

/** An alphabetical page of people or places, narrowed by `conditions`. */
export async function mentionablesPage<K extends MentionableKind>(access: Access, kind: K, page: Page, conditions: (SQL | undefined)[]): Promise<Connection<MentionableRow<K>>> {
  const { table } = mentionable(kind);
  const order = nameOrder(kind);
  const rows = (await access.db
    .select()
    .from(table)
    .where(and(...conditions, afterCursor(order, page)))
    .orderBy(orderFor(order, page))
    .limit(page.limit + 1)) as MentionableRow<K>[];
  return toConnection(rows, page, nameSortValues);
}

/** The people (or places) each entry mentions, content visible to the viewer, in one statement. */
export async function entryMentionLists<K extends MentionableKind>(access: Access, kind: K, entryIds: readonly number[]): Promise<MentionableRow<K>[][]> {
  const { table, link, targetId } = mentionable(kind);
  const rows = await prepared(access.db, `entryMentionLists:${visibilityKey(access.viewer)}:${kind}`, () =>
    access.db
      .select({ entryId: link.entryId, target: table })
      .from(link)
      .innerJoin(entries, eq(entries.id, link.entryId))
      .innerJoin(table, eq(table.id, targetId))
      .where(and(anyOfPlaceholder(link.entryId), entryContentVisible(access.viewer)))
      .orderBy(asc(link.createdAt), asc(table.id)),
  ).execute({ ids: entryIds });
  return groupRows(entryIds, rows, (r) => r.entryId).map((group) => group.map((r) => r.target as MentionableRow<K>));
}

/** A person or place with how many of a story's entries mention it. */
export type RankedMentionable<K extends MentionableKind> = MentionableRow<K> & { mentions: number };

/** Most mentioned first, then by id. */
export function storyMentionOrder(kind: MentionableKind): SortKey[] {
  return [
    { expr: sql`count(*)`, direction: 'desc', kind: 'int' },
    { expr: mentionable(kind).table.id, direction: 'asc', kind: 'int' },
  ];
}

/** The people (or places) of each story, most mentioned first, one page per story in one statement. */
export async function storyMentionPages<K extends MentionableKind>(access: Access, kind: K, storyIds: readonly number[], page: Page): Promise<Connection<RankedMentionable<K>>[]> {
  const { table, link, targetId } = mentionable(kind);
  const order = storyMentionOrder(kind);
  const ranked = access.db
    .select({
      ...getTableColumns(table),
      storyId: sql<number>`${entries.storyId}`.as('story_id'),
      mentions: sql<number>`count(*)`.mapWith(Number).as('mentions'),
      rn: rowNumber(entries.storyId, order, page).as('rn'),
    })
    .from(link)
    .innerJoin(entries, eq(entries.id, link.entryId))
    .innerJoin(table, eq(table.id, targetId))
    .where(and(anyOf(entries.storyId, storyIds), entryContentVisible(access.viewer)))
    .groupBy(entries.storyId, table.id)
    .having(afterCursor(order, page))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.storyId, ranked.rn);
  return toConnections(storyIds, rows as unknown as (RankedMentionable<K> & { storyId: number })[], (r) => r.storyId, page, (r) => [r.mentions, r.id]);
}
