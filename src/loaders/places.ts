/** What only places have: a hierarchy and geographic filters (the rest is in ./mentionables.ts). */
import { type SQL, and, eq, isNull, lte, sql } from 'drizzle-orm';
import { queryRows } from '../db/client.js';
import { placeAndInside } from '../db/mentionables.js';
import type { Access } from '../access.js';
import { anyOf } from '../db/any-of.js';
import { placeColumns } from '../db/columns.js';
import { type PlaceKind, type PlaceRow, places } from '../db/schema.js';
import { type Connection, type Page, afterCursor, rowNumber, toConnections } from './keyset.js';
import { nameOrder, nameSortValues, nameStartsWith } from './mentionables.js';

export interface PlacesFilter {
  namePrefix: string | null;
  kind: PlaceKind | null;
  countryCode: string | null;
  /** Only places without a parent (countries, usually). */
  topLevel: boolean;
}

export function placeConditions(filter: PlacesFilter): (SQL | undefined)[] {
  return [
    filter.namePrefix ? nameStartsWith('Place', filter.namePrefix) : undefined,
    filter.kind ? eq(places.kind, filter.kind) : undefined,
    filter.countryCode ? eq(places.countryCode, filter.countryCode) : undefined,
    filter.topLevel ? isNull(places.parentId) : undefined,
  ];
}

/** The places directly inside each place, by name, one page each in one statement. */
export async function childPlacePages(access: Access, parentIds: readonly number[], page: Page): Promise<Connection<PlaceRow>[]> {
  const order = nameOrder('Place');
  const ranked = access.db
    .select({ ...placeColumns, rn: rowNumber(places.parentId, order, page).as('rn') })
    .from(places)
    .where(and(anyOf(places.parentId, parentIds), afterCursor(order, page)))
    .as('ranked');
  const rows = await access.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.parentId, ranked.rn);
  return toConnections(parentIds, rows, (p) => p.parentId, page, nameSortValues);
}

/** The ids of a place and of every place inside it (for filters that follow a place live). */
export async function placeIdsInside(access: Access, placeId: number): Promise<Set<number>> {
  const rows = await queryRows<{ id: number }>(access.db, sql`select id from ${placeAndInside(placeId)} as inside(id)`);
  return new Set(rows.map((r) => Number(r.id)));
}
