/**
 * Surrogate keys: the names a cached answer carries (in `Surrogate-Key` and
 * `xkey` headers) for what it read, and that a purge names for what a change
 * touched. The database writes the purges (migration edge_purge_triggers)
 * with these very names; keep both in step.
 */

/** A story's content: its entries, counts, update time. Every event of the story changes it. */
export const storyKey = (id: number) => `story-${id}`;
/** A story's title, summary, status, language: only story-level events change them. */
export const storyMetaKey = (id: number) => `story-${id}-meta`;
export const entryKey = (id: number) => `entry-${id}`;
/** A person's lists (quotes, entries, stories): events naming the person change them. */
export const personKey = (id: number) => `person-${id}`;
/** A person's catalog fields (name, description…), wherever they are shown: catalog edits change them. */
export const personNameKey = (id: number) => `person-${id}-name`;
export const placeKey = (id: number) => `place-${id}`;
/** A place's catalog fields, its parent and children included. */
export const placeNameKey = (id: number) => `place-${id}-name`;

/** Lists of stories, and answers any event may change: every story event purges it. */
export const STORIES_KEY = 'stories';
/** Lists and lookups of people or places: every catalog change of that kind purges it. */
export const PEOPLE_KEY = 'people';
export const PLACES_KEY = 'places';
/** Searches: story-level events purge it (a search also lives at most the search time to live). */
export const SEARCH_KEY = 'search';
/** Answers that read too much to name it all: every purge names it. */
export const ALL_KEY = 'all';

/** Longest Surrogate-Key (and xkey) header written: Varnish refuses a response header line over 8 KB by default. */
export const MAX_KEYS_HEADER_BYTES = 4096;
