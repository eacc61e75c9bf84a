/**
 * What an operation's answer depends on (its cache scope), beside the
 * context that carries it: the resolvers record into it (through the
 * wrapping of src/plugins/cache-scope.ts), the response cache
 * (src/plugins/response-cache.ts) and the edge's surrogate keys
 * (src/plugins/edge-cache.ts) read it.
 */

/** Per operation: what its answer depends on. */
export interface CacheScope {
  /** Recording at all: off for answers that are never cached (a token, a WebSocket, the cache off). */
  active: boolean;
  /** Depends on every story event. */
  everyEvent: boolean;
  /** Reads a `search`: kept for the search time to live at most. */
  search: boolean;
  /** Stories whose content it reads (every event of the story changes it). */
  stories: Set<number>;
  /** Stories whose metadata only it reads (story-level events change it). */
  storyMeta: Set<number>;
  /** Entries it reads, each with its story (0 when only a quote of it was read and its story is not known). */
  entries: Map<number, number>;
  /** The stories of the entries it reads, and whether it reads quotes: for events that do not say what they touched. */
  entryStories: Set<number>;
  readsQuotes: boolean;
  /** People and places whose lists (quotes, entries, stories) it reads. */
  people: Set<number>;
  places: Set<number>;
  /**
   * People and places whose catalog fields (name, description…) it shows, and whether it lists or
   * looks them up (`people`, `person(slug:)`…): catalog edits change those. The response cache drops
   * everything on a catalog change; the edge's keys name them (src/plugins/edge-cache.ts).
   */
  peopleShown: Set<number>;
  placesShown: Set<number>;
  listsPeople: boolean;
  listsPlaces: boolean;
}

/** The scope of answers that are never cached: nothing is recorded into it, so one serves every request. */
const INACTIVE: CacheScope = Object.freeze({
  active: false,
  everyEvent: false,
  search: false,
  stories: new Set<number>(),
  storyMeta: new Set<number>(),
  entries: new Map<number, number>(),
  entryStories: new Set<number>(),
  readsQuotes: false,
  people: new Set<number>(),
  places: new Set<number>(),
  peopleShown: new Set<number>(),
  placesShown: new Set<number>(),
  listsPeople: false,
  listsPlaces: false,
});

export function newCacheScope(active: boolean): CacheScope {
  if (!active) return INACTIVE;
  return {
    active,
    everyEvent: false,
    search: false,
    stories: new Set(),
    storyMeta: new Set(),
    entries: new Map(),
    entryStories: new Set(),
    readsQuotes: false,
    people: new Set(),
    places: new Set(),
    peopleShown: new Set(),
    placesShown: new Set(),
    listsPeople: false,
    listsPlaces: false,
  };
}
