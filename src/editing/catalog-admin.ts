/**
 * What only admins do to the catalogue: delete a person or a place that
 * nothing refers to. One with links is refused (the links say why), so a
 * deletion never takes an entry's mentions or a quote's speaker with it.
 * The IDs and slugs merged into it (./catalog-merge.ts) go with it.
 */
import { and, count, eq } from 'drizzle-orm';
import type { Access } from '../access.js';
import type { Tx } from '../db/client.js';
import { type MentionKindName, type PersonRow, type PlaceRow, catalogRedirects, entryPeople, entryPlaces, people, places, quotes } from '../db/schema.js';
import { clientError, notFound } from '../errors.js';
import { announceCatalogChange } from '../loaders/catalog-matcher.js';

const refuseLinked = (what: string, links: Record<string, number>) => {
  const found = Object.entries(links).filter(([, n]) => n > 0);
  if (found.length === 0) return;
  throw clientError('BAD_USER_INPUT', `input.id: the ${what} is still referred to (${found.map(([k, n]) => `${n} ${k}`).join(', ')}); unlink or merge it first`, {
    field: 'input.id',
    links: Object.fromEntries(found),
  });
};

const dropRedirectsTo = (tx: Tx, kind: MentionKindName, id: number) =>
  tx.delete(catalogRedirects).where(and(eq(catalogRedirects.kind, kind), eq(catalogRedirects.toId, id)));

export async function deletePerson(access: Access, id: number): Promise<PersonRow> {
  return access.db.transaction(async (tx) => {
    const [person] = await tx.select().from(people).where(eq(people.id, id)).for('update');
    if (!person) throw notFound('input.id', 'No person with that ID.');
    const [mentions] = await tx.select({ n: count() }).from(entryPeople).where(eq(entryPeople.personId, id));
    const [said] = await tx.select({ n: count() }).from(quotes).where(eq(quotes.speakerId, id));
    refuseLinked('person', { mentions: mentions!.n, quotes: said!.n });
    await dropRedirectsTo(tx, 'person', id);
    await tx.delete(people).where(eq(people.id, id));
    await announceCatalogChange(tx);
    return person;
  });
}

export async function deletePlace(access: Access, id: number): Promise<PlaceRow> {
  return access.db.transaction(async (tx) => {
    const [place] = await tx.select().from(places).where(eq(places.id, id)).for('update');
    if (!place) throw notFound('input.id', 'No place with that ID.');
    const [mentions] = await tx.select({ n: count() }).from(entryPlaces).where(eq(entryPlaces.placeId, id));
    const [children] = await tx.select({ n: count() }).from(places).where(eq(places.parentId, id));
    refuseLinked('place', { mentions: mentions!.n, 'places inside it': children!.n });
    await dropRedirectsTo(tx, 'place', id);
    await tx.delete(places).where(eq(places.id, id));
    await announceCatalogChange(tx);
    return place;
  });
}
