/** Synthetic stories built with the same loader as the demo story. */
import type { Db } from '../../src/db/client.js';
import { loadStory } from '../../src/seed/load-demo.js';
import type { SeedEntry, SeedPerson, SeedPlace, SeedStory } from '../../src/seed/demo-types.js';

export interface SyntheticStory {
  slug: string;
  entries: number;
  status?: SeedStory['status'];
  language?: string;
  /** The body of entry i (a short sentence by default). */
  body?: (i: number) => string;
}

/** A story whose every entry mentions two people and two places and carries two quotes. */
export async function insertSyntheticStory(db: Db, spec: SyntheticStory): Promise<number> {
  const peopleList: SeedPerson[] = Array.from({ length: 6 }, (_, i) => ({
    slug: `${spec.slug}-person-${i}`,
    name: `Person ${i} of ${spec.slug}`,
    aliases: [],
    description: `role ${i}`,
    wikidataId: null,
  }));
  const placesList: SeedPlace[] = Array.from({ length: 6 }, (_, i) => ({
    slug: `${spec.slug}-place-${i}`,
    name: `Place ${i} of ${spec.slug}`,
    aliases: [],
    kind: i === 0 ? 'country' : 'city',
    countryCode: 'IT',
    latitude: 41 + i / 10,
    longitude: 12 + i / 10,
    parentSlug: i === 0 ? null : `${spec.slug}-place-0`,
    geonamesId: null,
    wikidataId: null,
  }));
  const start = Date.UTC(2026, 0, 1, 8, 0, 0);
  const entries: SeedEntry[] = Array.from({ length: spec.entries }, (_, i) => ({
    headline: `Update ${i} on ${spec.slug}`,
    body: spec.body?.(i) ?? `Body of update ${i}: negotiations continue in the capital.`,
    publishedAt: new Date(start + i * 60_000).toISOString(),
    keyEvent: i % 5 === 0,
    pinned: false,
    author: 'Test desk',
    people: [peopleList[i % 6]!.slug, peopleList[(i + 1) % 6]!.slug],
    places: [placesList[i % 6]!.slug, placesList[(i + 2) % 6]!.slug],
    quotes: [
      { text: `First quote ${i}`, speakerSlug: peopleList[i % 6]!.slug, attribution: null, source: 'Agency', context: null },
      { text: `Second quote ${i}`, speakerSlug: peopleList[(i + 1) % 6]!.slug, attribution: null, source: null, context: null },
    ],
  }));
  const story: SeedStory = {
    slug: spec.slug,
    title: `Synthetic story ${spec.slug}`,
    summary: 'Generated for tests.',
    language: spec.language ?? 'en',
    status: spec.status ?? 'live',
    coverageStartAt: new Date(start).toISOString(),
    coverageEndAt: null,
    entries,
  };
  const result = await loadStory(db, story, peopleList, placesList);
  return result.storyId;
}
