import type { PlaceRow } from '../../db/schema.js';
import { badUserInput } from '../../errors.js';
import { readPage } from '../../loaders/keyset.js';
import { MAX_SEARCH, mentionablesPage, nameOrAliasContains, nameOrder } from '../../loaders/mentionables.js';
import { childPlacePages, placeConditions } from '../../loaders/places.js';
import { createPlace, updatePlace } from '../../editing/catalog.js';
import { builder } from '../builder.js';
import { loadFollowingMerges, mentionableFields } from './mentionable.js';
import { parseNodeId } from '../../global-id.js';
import { searchArg, undefinedIfNull } from '../inputs.js';

export const PlaceKindEnum = builder.enumType('PlaceKind', {
  description: 'What sort of place it is.',
  values: {
    COUNTRY: { value: 'country', description: 'A sovereign country.' },
    REGION: { value: 'region', description: 'A region, state, oblast, krai or province.' },
    CITY: { value: 'city', description: 'A city or town.' },
    VILLAGE: { value: 'village', description: 'A village or settlement.' },
    SITE: { value: 'site', description: 'A building, plant, base or other single site.' },
  } as const,
});

export const PlaceRef = builder.loadableNode('Place', {
  description: 'A place the coverage mentions, within a hierarchy (village → region → country).',
  id: { resolve: (place: PlaceRow) => place.id, parse: Number },
  load: loadFollowingMerges('Place'),
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Unique, URL-friendly name, e.g. `budyonnovsk`.' }),
    name: t.exposeString('name', { description: 'Name as the newsroom writes it.' }),
    aliases: t.exposeStringList('aliases', { description: 'Other names and transliterations.' }),
    kind: t.field({ type: PlaceKindEnum, resolve: (p) => p.kind, description: 'Country, region, city, village or site.' }),
    countryCode: t.exposeString('countryCode', { nullable: true, description: 'ISO 3166-1 alpha-2 code of its country.' }),
    latitude: t.exposeFloat('latitude', { nullable: true, description: 'WGS 84 latitude in degrees.' }),
    longitude: t.exposeFloat('longitude', { nullable: true, description: 'WGS 84 longitude in degrees.' }),
    geonamesId: t.exposeInt('geonamesId', { nullable: true, description: 'GeoNames id.' }),
    wikidataId: t.exposeString('wikidataId', { nullable: true, description: 'Wikidata item, e.g. `Q212`.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the place was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the place was last changed.' }),
  }),
});

export const { connection: PlaceConnection } = mentionableFields('Place', PlaceRef, { one: 'place', many: 'places', example: 'hrabovske', pronoun: 'it' });

builder.objectField(PlaceRef, 'parent', (t) =>
  t.field({
    type: PlaceRef,
    nullable: true,
    description: 'The place it lies in (Hrabovske → Sumy region → Ukraine); null at the top.',
    resolve: (place, _args, ctx) => (place.parentId === null ? null : PlaceRef.getDataloader(ctx).load(place.parentId)),
  }),
);

builder.objectField(PlaceRef, 'children', (t) =>
  t.loadable({
    type: PlaceConnection,
    description: 'Places directly inside this one, by name.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) => childPlacePages(ctx, ids, readPage(args, nameOrder('Place'), 'Place.children')),
    resolve: (place) => place.id,
  }),
);

builder.queryFields((t) => ({
  places: t.field({
    type: PlaceConnection,
    description: 'Places in alphabetical order, optionally filtered.',
    args: {
      ...t.arg.connectionArgs(),
      namePrefix: t.arg.string({ description: 'Case-insensitive start of the name.' }),
      search: t.arg.string({ description: `Words anywhere in the name or an alias, case- and accent-insensitive ("budennovsk" finds "Budënnovsk"); up to ${MAX_SEARCH} characters.` }),
      kind: t.arg({ type: PlaceKindEnum, description: 'Only places of this kind.' }),
      countryCode: t.arg.string({ description: 'Only places in this country (ISO 3166-1 alpha-2, e.g. `UA`).' }),
      topLevel: t.arg.boolean({ defaultValue: false, description: 'Only places without a parent.' }),
    },
    resolve: (_root, args, ctx) => {
      if (args.countryCode != null && !/^[A-Za-z]{2}$/.test(args.countryCode)) throw badUserInput('countryCode', 'must be two letters (ISO 3166-1 alpha-2)');
      const conditions = placeConditions({
        namePrefix: args.namePrefix?.trim() || null,
        kind: args.kind ?? null,
        countryCode: args.countryCode?.toUpperCase() ?? null,
        topLevel: args.topLevel ?? false,
      });
      const search = searchArg(args.search);
      return mentionablesPage(ctx, 'Place', readPage(args, nameOrder('Place'), 'Query.places'), [...conditions, search ? nameOrAliasContains('Place', search) : undefined]);
    },
  }),
}));

builder.relayMutationField(
  'createPlace',
  {
    description: 'A new place entries can mention.',
    inputFields: (t) => ({
      slug: t.string({ required: true, description: 'Unique, URL-friendly name, e.g. `budyonnovsk`.' }),
      name: t.string({ required: true, description: 'Name as the newsroom writes it.' }),
      aliases: t.stringList({ description: 'Other names (at most 20).' }),
      kind: t.field({ type: PlaceKindEnum, required: true, description: 'Country, region, city, village or site.' }),
      countryCode: t.string({ description: 'ISO 3166-1 alpha-2 code, e.g. `UA`.' }),
      latitude: t.float({ description: 'WGS 84 latitude, -90 to 90 (with longitude).' }),
      longitude: t.float({ description: 'WGS 84 longitude, -180 to 180 (with latitude).' }),
      parent: t.id({ description: 'The place it lies in.' }),
      geonamesId: t.int({ description: 'GeoNames id.' }),
      wikidataId: t.string({ description: 'Wikidata item, e.g. `Q1899`.' }),
      idempotencyKey: t.string({ description: 'Retrying with the same key returns the first result instead of creating twice.' }),
    }),
  },
  {
    description: 'Creates a place (editors).',
    resolve: async (_root, { input }, ctx) => {
      const { parent, ...rest } = input;
      const parentId = parent == null ? null : parseNodeId(String(parent), 'input.parent', ['Place']).id;
      return { place: await createPlace(ctx, { ...undefinedIfNull(rest, ['aliases']), parentId }) };
    },
  },
  { description: 'The place created.', outputFields: (t) => ({ place: t.field({ type: PlaceRef, description: 'The new place.', resolve: (p) => p.place }) }) },
);

builder.relayMutationField(
  'updatePlace',
  {
    description: 'Changes to a place; fields left out stay as they are, null clears an optional one.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The place.' }),
      slug: t.string({ description: 'New slug.' }),
      name: t.string({ description: 'New name.' }),
      aliases: t.stringList({ description: 'Other names (at most 20).' }),
      kind: t.field({ type: PlaceKindEnum, description: 'Country, region, city, village or site.' }),
      countryCode: t.string({ description: 'ISO 3166-1 alpha-2 code.' }),
      latitude: t.float({ description: 'WGS 84 latitude, -90 to 90.' }),
      longitude: t.float({ description: 'WGS 84 longitude, -180 to 180.' }),
      parent: t.id({ description: 'The place it lies in; null makes it top-level.' }),
      geonamesId: t.int({ description: 'GeoNames id.' }),
      wikidataId: t.string({ description: 'Wikidata item.' }),
    }),
  },
  {
    description: 'Edits a place (editors). A place cannot be moved inside itself.',
    resolve: async (_root, { input }, ctx) => {
      const { id, parent, ...rest } = input;
      const parentId = parent === undefined ? undefined : parent === null ? null : parseNodeId(String(parent), 'input.parent', ['Place']).id;
      const placeId = parseNodeId(String(id), 'input.id', ['Place']).id;
      return { place: await updatePlace(ctx, placeId, { ...undefinedIfNull(rest, ['slug', 'name', 'aliases', 'kind']), parentId }) };
    },
  },
  { description: 'The place after the change.', outputFields: (t) => ({ place: t.field({ type: PlaceRef, description: 'The place.', resolve: (p) => p.place }) }) },
);
