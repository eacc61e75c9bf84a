/** People and places: the reference data entries point at. */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Access } from '../access.js';
import { type Tx, queryRows } from '../db/client.js';
import { PLACE_KINDS, type PersonRow, type PlaceRow, people, places, nowMs } from '../db/schema.js';
import { clientError, notFound } from '../errors.js';
import { announceCatalogChange } from '../loaders/catalog-matcher.js';
import { withConstraintErrors } from './database-errors.js';
import { createOnce } from './idempotency.js';
import { aliases, idempotencyKey, optionalProse, parseInput, slug, text, wikidataId } from './validation.js';

const personFields = {
  name: text(200),
  aliases,
  description: optionalProse(500),
  wikidataId,
};
const createPersonSchema = z.object({ slug, ...personFields, idempotencyKey });
const updatePersonSchema = z.object({ slug: slug.optional(), ...personFields, name: personFields.name.optional() });

export async function createPerson(access: Access, input: z.input<typeof createPersonSchema>): Promise<PersonRow> {
  const valid = parseInput(createPersonSchema, input);
  return withConstraintErrors(() =>
    access.db.transaction((tx) =>
      createOnce(tx, access, { operation: 'createPerson', table: people, key: valid.idempotencyKey, input: valid }, async () => {
        const [person] = await tx
          .insert(people)
          .values({ slug: valid.slug, name: valid.name, aliases: valid.aliases ?? [], description: valid.description ?? null, wikidataId: valid.wikidataId ?? null })
          .returning();
        await announceCatalogChange(tx);
        return person!;
      }),
    ),
  );
}

export async function updatePerson(access: Access, id: number, input: z.input<typeof updatePersonSchema>): Promise<PersonRow> {
  const valid = parseInput(updatePersonSchema, input);
  return withConstraintErrors(async () => {
    const [person] = await access.db
      .update(people)
      .set({ ...definedOnly(valid), updatedAt: nowMs })
      .where(eq(people.id, id))
      .returning();
    if (!person) throw notFound('input.id', 'No person with that ID.');
    await announceCatalogChange(access.db);
    return person;
  });
}

const coordinates = {
  latitude: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90').nullish(),
  longitude: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180').nullish(),
};
const placeFields = {
  name: text(200),
  aliases,
  kind: z.enum(PLACE_KINDS),
  countryCode: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "UA"')
    .transform((v) => v.toUpperCase())
    .nullish(),
  ...coordinates,
  parentId: z.number().int().nullish(),
  geonamesId: z.number().int().positive('must be a positive GeoNames id').nullish(),
  wikidataId,
};
const bothOrNeither = (p: { latitude?: number | null; longitude?: number | null }) => (p.latitude == null) === (p.longitude == null);
const createPlaceSchema = z.object({ slug, ...placeFields, idempotencyKey }).refine(bothOrNeither, { message: 'give latitude and longitude together', path: ['longitude'] });
const updatePlaceSchema = z.object({ slug: slug.optional(), ...placeFields, name: placeFields.name.optional(), kind: placeFields.kind.optional() });

export async function createPlace(access: Access, input: z.input<typeof createPlaceSchema>): Promise<PlaceRow> {
  const valid = parseInput(createPlaceSchema, input);
  return withConstraintErrors(() =>
    access.db.transaction((tx) =>
      createOnce(tx, access, { operation: 'createPlace', table: places, key: valid.idempotencyKey, input: valid }, async () => {
        const { idempotencyKey: _key, ...values } = valid;
        const [place] = await tx
          .insert(places)
          .values({ ...values, aliases: values.aliases ?? [] })
          .returning();
        await announceCatalogChange(tx);
        return place!;
      }),
    ),
  );
}

export async function updatePlace(access: Access, id: number, input: z.input<typeof updatePlaceSchema>): Promise<PlaceRow> {
  const valid = parseInput(updatePlaceSchema, input);
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      // Before the row lock, as every change to the hierarchy takes them (src/editing/catalog-merge.ts too).
      if (valid.parentId != null) await lockPlaceHierarchy(tx);
      const [current] = await tx.select().from(places).where(eq(places.id, id)).for('update');
      if (!current) throw notFound('input.id', 'No place with that ID.');
      const next = { ...current, ...definedOnly(valid) };
      if (!bothOrNeither(next)) throw clientError('BAD_USER_INPUT', 'input.longitude: give latitude and longitude together', { field: 'input.longitude' });
      if (valid.parentId != null) await refuseCycle(tx, id, valid.parentId);
      const [place] = await tx
        .update(places)
        .set({ ...definedOnly(valid), updatedAt: nowMs })
        .where(eq(places.id, id))
        .returning();
      await announceCatalogChange(tx);
      return place!;
    }),
  );
}

/** Any constant shared by every instance: moves in the place hierarchy take turns. */
const PLACE_HIERARCHY_LOCK = 4_127_302;

/**
 * Moves in the place hierarchy take turns: the check that a move makes no
 * cycle and the move run under this transaction-level lock, so that two
 * editors moving A under B and B under A at once cannot both pass it. Taken
 * before any row lock, so that two of them never wait for each other.
 */
export async function lockPlaceHierarchy(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${PLACE_HIERARCHY_LOCK})`);
}

/** A place cannot lie inside itself, however far up the chain: refuses putting `id` under `parentId` (under lockPlaceHierarchy). */
export async function refuseCycle(tx: Tx, id: number, parentId: number, field = 'input.parent', message = 'a place cannot lie inside itself') {
  const found = await queryRows<{ id: number }>(tx, sql`
    with recursive up(id, parent_id) as (
      select id, parent_id from ${places} where id = ${parentId}
      union
      select p.id, p.parent_id from ${places} p join up on p.id = up.parent_id
    )
    select id from up where id = ${id}`);
  if (found.length > 0) throw clientError('BAD_USER_INPUT', `${field}: ${message}`, { field });
}

/** Drops undefined keys, so that an update touches only what the client sent. */
export function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
