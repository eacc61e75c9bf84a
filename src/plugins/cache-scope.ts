/**
 * What a cached answer depends on, recorded while it is computed, and what
 * a story event touches: the response cache (./response-cache.ts) drops an
 * answer only when an event touched something it depends on.
 *
 * Recording: every field resolver of the types below is wrapped once, at
 * start-up, so that resolving a field notes the entity it reads from in the
 * operation's scope — no resolver has to remember to do it, and a field
 * added later is covered by its type's rule:
 *
 * - a field of an Entry (or of a Quote: a quote is part of its entry): that
 *   entry. Any change to it appends an event naming it;
 * - a field of a Story: its *content* (entries, counts, people, quotes,
 *   `updatedAt`, `eventCursor`, anything not listed as metadata), which every
 *   event of the story changes; or only its *metadata* (title, status…),
 *   which only story-level events change;
 * - a list of a Person or a Place (quotes, entries, stories): that person or
 *   place, which an event touches when the entry mentions them or quotes
 *   them (the NOTIFY payload names them, see EventTouch); their catalog
 *   fields (name, aliases…) change only through catalog edits, which drop
 *   the whole response cache — they are recorded apart (peopleShown,
 *   placesShown, and the catalog roots as listsPeople, listsPlaces) for the
 *   surrogate keys shared caches purge by (./edge-cache.ts);
 * - a story listed among a person's stories: that story's content (its
 *   mention count and last mention change with any of its entries);
 * - `search`: the entries shown (their fields), plus a short time to live,
 *   since any new entry may match;
 * - any other root field (`stories`, `node`, a field added later): every event.
 */
import { type GraphQLFieldResolver, type GraphQLSchema, defaultFieldResolver, isObjectType } from 'graphql';
import type { CacheScope } from '../cache-scope.js';

/** What one story event touched, as its NOTIFY payload says (src/live/append-event.ts). */
export interface EventTouch {
  storyId: number;
  seq: number;
  /** The entry it is about; null for a story-level event (status change), which touches the story's metadata. */
  entryId: number | null;
  /** People the entry mentions or quotes, places it mentions, after the event. */
  people: number[];
  places: number[];
  /** False when the payload did not say what the event touched (an older instance's): assume everything. */
  detailed: boolean;
}

const ids = (list: string | undefined) => (list ? list.split(',').map(Number).filter(Number.isInteger) : []);

/** `storyId:seq:entryId:people:places:speakers` (lists comma-separated; older payloads stop after seq). */
export function parseEventPayload(payload: string): EventTouch | null {
  const [story, seq, entry, people, places, speakers] = payload.split(':');
  const storyId = Number(story);
  if (!Number.isInteger(storyId)) return null;
  return {
    storyId,
    seq: Number(seq),
    entryId: entry ? Number(entry) : null,
    people: [...new Set([...ids(people), ...ids(speakers)])],
    places: ids(places),
    detailed: entry !== undefined,
  };
}

/** Whether an answer with these dependencies may have changed with the event. */
export function touches(scope: CacheScope, event: EventTouch): boolean {
  if (scope.everyEvent || scope.stories.has(event.storyId)) return true;
  if (!event.detailed) {
    return scope.storyMeta.has(event.storyId) || scope.entryStories.has(event.storyId) || scope.readsQuotes || scope.people.size > 0 || scope.places.size > 0;
  }
  // About the story itself: its title or status, and what its entries match in a search (its language, whether
  // readers see it at all) — so searches drop too, without waiting for their time to live.
  if (event.entryId === null) return scope.storyMeta.has(event.storyId) || scope.search;
  if (scope.entries.has(event.entryId)) return true;
  return event.people.some((id) => scope.people.has(id)) || event.places.some((id) => scope.places.has(id));
}

type Recorder = (scope: CacheScope, parent: Record<string, unknown>) => void;

const STORY_METADATA = new Set(['id', 'slug', 'title', 'summary', 'language', 'status', 'coverageStartAt', 'coverageEndAt', 'createdAt', 'image']);
const PERSON_CATALOG = new Set(['id', 'slug', 'name', 'aliases', 'description', 'wikidataId', 'createdAt', 'updatedAt']);
const PLACE_CATALOG = new Set(['id', 'slug', 'name', 'aliases', 'kind', 'countryCode', 'latitude', 'longitude', 'geonamesId', 'wikidataId', 'createdAt', 'updatedAt', 'parent', 'children']);
/** Root fields whose answers depend only on what their objects' fields record. */
const RECORDED_ROOTS = new Set(['story', '__typename']);
/** Lists and lookups of the catalog: what they find changes with catalog edits only (which drop the whole response cache). */
const PEOPLE_ROOTS = new Set(['person', 'people']);
const PLACE_ROOTS = new Set(['place', 'places']);

const id = (parent: Record<string, unknown>, key = 'id') => parent[key] as number;

function recorderFor(type: string, field: string): Recorder | null {
  switch (type) {
    case 'Query':
      if (RECORDED_ROOTS.has(field)) return null;
      if (PEOPLE_ROOTS.has(field)) return (scope) => void (scope.listsPeople = true);
      if (PLACE_ROOTS.has(field)) return (scope) => void (scope.listsPlaces = true);
      if (field === 'search') return (scope) => void (scope.search = true);
      return (scope) => void (scope.everyEvent = true);
    case 'Story':
      return STORY_METADATA.has(field) ? (scope, p) => void scope.storyMeta.add(id(p)) : (scope, p) => void scope.stories.add(id(p));
    case 'Entry':
      return (scope, p) => {
        scope.entries.set(id(p), id(p, 'storyId'));
        scope.entryStories.add(id(p, 'storyId'));
      };
    case 'Quote':
      return (scope, p) => {
        if (!scope.entries.has(id(p, 'entryId'))) scope.entries.set(id(p, 'entryId'), 0);
        scope.readsQuotes = true;
      };
    case 'Person':
      return PERSON_CATALOG.has(field) ? (scope, p) => void scope.peopleShown.add(id(p)) : (scope, p) => void scope.people.add(id(p));
    case 'Place':
      return PLACE_CATALOG.has(field) ? (scope, p) => void scope.placesShown.add(id(p)) : (scope, p) => void scope.places.add(id(p));
    case 'PersonStoryEdge':
      return (scope, p) => void scope.stories.add(id(p.node as Record<string, unknown>));
    default:
      return null;
  }
}

const recorded = new WeakSet<GraphQLSchema>();

/** Wraps the schema's resolvers (once per schema) so that they record into `context.cacheScope`. */
export function recordCacheDependencies(schema: GraphQLSchema): void {
  if (recorded.has(schema)) return;
  recorded.add(schema);
  const skip = new Set([schema.getMutationType(), schema.getSubscriptionType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || skip.has(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const record = recorderFor(type.name, field.name);
      if (!record) continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, context, info) => {
        const scope = (context as { cacheScope?: CacheScope } | undefined)?.cacheScope;
        if (scope?.active) record(scope, parent as Record<string, unknown>);
        return resolve(parent, args, context, info);
      };
    }
  }
}
