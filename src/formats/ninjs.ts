/**
 * Entries and stories as IPTC ninjs 2.1 (News in JSON), for wire desks and
 * aggregators: pure functions of the rows; src/loaders/ninjs.ts gathers them.
 * Validated in tests against the official schema (schema/vendor/).
 *
 * An entry is a `text` item whose `version` is its revision; `pubstatus`
 * follows its editorial state for every reader of the document: a retraction
 * is `canceled` with its body and mentions gone, a draft or a scheduled entry
 * (editors only) is `withheld`, a scheduled one `embargoed` until its time. A
 * story is a `composite` item whose associations are its lead image (a
 * `picture` named `lead-image`) and its newest entries, and whose `version`
 * counts the events its reader can see; an entry's images are its associated
 * `picture` items.
 * People and places carry their Wikidata and GeoNames
 * URIs, the identifiers other newsrooms' systems share.
 */
import type { Entry } from '../db/columns.js';
import type { EntryMedia, PersonRow, PlaceRow, StoryRow } from '../db/schema.js';
import type { Publisher } from '../config.js';

export const NINJS_STANDARD = { name: 'ninjs', version: '2.1', schema: 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json' } as const;

export type Ninjs = Record<string, unknown>;

export interface NinjsEntry {
  globalId: string;
  entry: Entry;
  /** Empty for readers once the entry is retracted (src/loaders/mentionables.ts already hides them). */
  people: readonly PersonRow[];
  places: readonly PlaceRow[];
}

const wikidataUri = (id: string) => `http://www.wikidata.org/entity/${id}`;
const geonamesUri = (id: number) => `https://sws.geonames.org/${id}/`;

export const entryUri = (globalId: string) => `urn:diretta:entry:${globalId}`;
export const storyUri = (slug: string) => `urn:diretta:story:${slug}`;

/** Usable once published, and only then: a wire system reading an editor's ninjs must not send out embargoed copy. */
function pubstatus(status: Entry['status']): 'usable' | 'withheld' | 'canceled' {
  return status === 'retracted' ? 'canceled' : status === 'published' ? 'usable' : 'withheld';
}

function person(p: PersonRow): Ninjs {
  return { name: p.name, rel: 'mentioned', literal: p.slug, ...(p.wikidataId ? { uri: wikidataUri(p.wikidataId) } : {}) };
}

/** A place has one `uri`: GeoNames, the gazetteer news systems use, else Wikidata. */
function place(p: PlaceRow): Ninjs {
  const uri = p.geonamesId ? geonamesUri(p.geonamesId) : p.wikidataId ? wikidataUri(p.wikidataId) : null;
  return { name: p.name, rel: 'mentioned', literal: p.slug, ...(uri ? { uri } : {}) };
}

function infosources(publisher: Publisher): Ninjs[] {
  return [{ name: publisher.name, role: 'originator', ...(publisher.url ? { uri: publisher.url } : {}) }];
}

/** An image as an associated `picture` item: its URL is a rendition, its alt text and caption descriptions, its credit `by`. */
function picture(name: string, uri: string, media: EntryMedia): Ninjs {
  return {
    name,
    uri,
    type: 'picture',
    ...(media.credit ? { by: media.credit } : {}),
    descriptions: [{ role: 'alt', value: media.alt }, ...(media.caption ? [{ role: 'caption', value: media.caption }] : [])],
    renditions: [{ name: 'original', href: media.url, ...(media.width ? { width: media.width } : {}), ...(media.height ? { height: media.height } : {}) }],
  };
}

const words = (text: string) => text.split(/\s+/u).filter(Boolean).length;

export function entryNinjs(item: NinjsEntry, story: Pick<StoryRow, 'slug' | 'language'>, publisher: Publisher): Ninjs {
  const { entry } = item;
  const withdrawn = entry.status === 'retracted';
  return {
    uri: entryUri(item.globalId),
    standard: NINJS_STANDARD,
    type: 'text',
    representationtype: 'full',
    profile: 'diretta-live-entry',
    version: String(entry.revision),
    firstcreated: (entry.publishedAt ?? entry.createdAt).toISOString(),
    versioncreated: entry.updatedAt.toISOString(),
    pubstatus: pubstatus(entry.status),
    ...(entry.status === 'scheduled' && entry.publishAt ? { embargoed: entry.publishAt.toISOString() } : {}),
    language: story.language,
    slugline: story.slug,
    headlines: [{ role: 'main', value: entry.headline }],
    ...(withdrawn ? {} : { bodies: [{ role: 'main', contenttype: 'text/plain', value: entry.body, charcount: [...entry.body].length, wordcount: words(entry.body) }] }),
    ...(entry.correctionNote ? { descriptions: [{ role: 'correction', value: entry.correctionNote }] } : {}),
    ...(entry.author ? { by: entry.author } : {}),
    ...(item.people.length ? { people: item.people.map(person) } : {}),
    ...(item.places.length ? { places: item.places.map(place) } : {}),
    infosources: infosources(publisher),
    altids: [{ role: 'diretta-id', value: item.globalId }],
    ...(!withdrawn && entry.media.length ? { associations: entry.media.map((m, i) => picture(`image-${i + 1}`, `${entryUri(item.globalId)}:image:${i + 1}`, m)) } : {}),
  };
}

/**
 * The story, with its newest entries as associations, and everyone and everywhere they mention.
 * `version` is how many of the story's events the document's reader can see (readers: the public
 * ones; editors: all), so that a draft saved or an entry scheduled moves neither a reader's
 * version nor the ETag of what they are served.
 */
export function storyNinjs(story: StoryRow, entries: readonly NinjsEntry[], publisher: Publisher, storyGlobalId: string, version: number): Ninjs {
  const people = new Map<number, PersonRow>();
  const places = new Map<number, PlaceRow>();
  for (const e of entries) {
    for (const p of e.people) people.set(p.id, p);
    for (const p of e.places) places.set(p.id, p);
  }
  return {
    uri: storyUri(story.slug),
    standard: NINJS_STANDARD,
    type: 'composite',
    representationtype: 'full',
    profile: 'diretta-live-blog',
    // Every change to the story or its entries appends an event: the count its reader can see is the story's version.
    version: String(version),
    firstcreated: story.createdAt.toISOString(),
    versioncreated: story.updatedAt.toISOString(),
    pubstatus: story.status === 'draft' ? 'withheld' : 'usable',
    language: story.language,
    slugline: story.slug,
    headlines: [{ role: 'main', value: story.title }],
    ...(story.summary ? { descriptions: [{ role: 'summary', value: story.summary }] } : {}),
    ...(people.size ? { people: [...people.values()].map(person) } : {}),
    ...(places.size ? { places: [...places.values()].map(place) } : {}),
    infosources: infosources(publisher),
    altids: [{ role: 'diretta-id', value: storyGlobalId }],
    // The lead image first (as a picture named `lead-image`), then the entries.
    associations: [
      ...(story.image ? [picture('lead-image', `${storyUri(story.slug)}:image`, story.image)] : []),
      ...entries.map((e, i) => ({ name: `entry-${i + 1}`, ...entryNinjs(e, story, publisher) })),
    ],
  };
}
