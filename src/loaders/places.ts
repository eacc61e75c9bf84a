import { type SQL, and, asc, eq, isNull, like, lte, sql } from 'drizzle-orm';
import { anyOf } from '../db/any-of.js';
import type { Context } from '../context.js';
import { type PlaceKind, type PlaceRow, entries, entryPlaces, places } from '../db/schema.js';
import { entryContentVisible } from '../db/visibility.js';
import { type Connection, type Page, type SortKey, afterCursor, orderFor, groupRows, rowNumber, toConnection, toConnections } from './pages.js';
import { likePrefix } from './people.js';

export async function placesByIds(ctx: Context, ids: readonly number[]): Promise<PlaceRow[]> {
  return ctx.db.select().from(places).where(anyOf(places.id, ids));
}

export async function placeBySlug(ctx: Context, slug: string): Promise<PlaceRow | undefined> {
  const [row] = await ctx.db.select().from(places).where(eq(places.slug, slug));
  return row;
}

const placeName = sql`lower(${places.name}) collate "C"`;
export const placesOrder: SortKey[] = [
  { expr: placeName, direction: 'asc', kind: 'string' },
  { expr: places.id, direction: 'asc', kind: 'int' },
];
const nameValues = (p: PlaceRow) => [p.name.toLowerCase(), p.id];

export interface PlacesFilter {
  namePrefix: string | null;
  kind: PlaceKind | null;
  countryCode: string | null;
  /** Only places without a parent (countries, usually). */
  topLevel: boolean;
}

export async function placesPage(ctx: Context, page: Page, filter: PlacesFilter): Promise<Connection<PlaceRow>> {
  const conditions: (SQL | undefined)[] = [
    filter.namePrefix ? like(placeName, likePrefix(filter.namePrefix)) : undefined,
    filter.kind ? eq(places.kind, filter.kind) : undefined,
    filter.countryCode ? eq(places.countryCode, filter.countryCode) : undefined,
    filter.topLevel ? isNull(places.parentId) : undefined,
    afterCursor(placesOrder, page),
  ];
  const rows = await ctx.db
    .select()
    .from(places)
    .where(and(...conditions))
    .orderBy(orderFor(placesOrder, page))
    .limit(page.limit + 1);
  return toConnection(rows, page, nameValues);
}

/** The places directly inside each place, by name, one page each in one statement. */
export async function childPlacePages(ctx: Context, parentIds: readonly number[], page: Page): Promise<Connection<PlaceRow>[]> {
  const ranked = ctx.db
    .select({ ...placeColumns(), rn: rowNumber(places.parentId, placesOrder, page).as('rn') })
    .from(places)
    .where(and(anyOf(places.parentId, parentIds), afterCursor(placesOrder, page)))
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.parentId, ranked.rn);
  return toConnections(parentIds, rows, (p) => p.parentId, page, nameValues);
}

/** Places mentioned by each entry (content visible to the viewer), in one statement. */
export async function entryPlaceLists(ctx: Context, entryIds: readonly number[]): Promise<PlaceRow[][]> {
  const rows = await ctx.db
    .select({ entryId: entryPlaces.entryId, place: places })
    .from(entryPlaces)
    .innerJoin(entries, eq(entries.id, entryPlaces.entryId))
    .innerJoin(places, eq(places.id, entryPlaces.placeId))
    .where(and(anyOf(entryPlaces.entryId, entryIds), entryContentVisible(ctx.viewer)))
    .orderBy(asc(entryPlaces.createdAt), asc(places.id));
  return groupRows(entryIds, rows, (r) => r.entryId).map((group) => group.map((r) => r.place));
}

export type RankedPlace = PlaceRow & { mentions: number };

export const storyPlacesOrder: SortKey[] = [
  { expr: sql`count(*)`, direction: 'desc', kind: 'int' },
  { expr: places.id, direction: 'asc', kind: 'int' },
];

/** Places of each story, most mentioned first, one page per story in one statement. */
export async function storyPlacePages(ctx: Context, storyIds: readonly number[], page: Page): Promise<Connection<RankedPlace>[]> {
  const ranked = ctx.db
    .select({
      ...placeColumns(),
      storyId: sql<number>`${entries.storyId}`.as('story_id'),
      mentions: sql<number>`count(*)`.mapWith(Number).as('mentions'),
      rn: rowNumber(entries.storyId, storyPlacesOrder, page).as('rn'),
    })
    .from(entryPlaces)
    .innerJoin(entries, eq(entries.id, entryPlaces.entryId))
    .innerJoin(places, eq(places.id, entryPlaces.placeId))
    .where(and(anyOf(entries.storyId, storyIds), entryContentVisible(ctx.viewer)))
    .groupBy(entries.storyId, places.id)
    .having(afterCursor(storyPlacesOrder, page))
    .as('ranked');
  const rows = await ctx.db.select().from(ranked).where(lte(ranked.rn, page.limit + 1)).orderBy(ranked.storyId, ranked.rn);
  return toConnections(storyIds, rows, (r) => r.storyId, page, (r) => [r.mentions, r.id]);
}

function placeColumns() {
  const { id, slug, name, aliases, kind, countryCode, latitude, longitude, parentId, geonamesId, wikidataId, createdAt, updatedAt } = places;
  return { id, slug, name, aliases, kind, countryCode, latitude, longitude, parentId, geonamesId, wikidataId, createdAt, updatedAt };
}
