/** Shapes of the demo story as it is kept inside the project (see demo-story.ts). */

export type SeedPlaceKind = 'country' | 'region' | 'city' | 'village' | 'site';

export interface SeedPerson {
  slug: string;
  name: string;
  aliases: string[];
  /** Role as the newsroom writes it, in the story's language. */
  description: string;
  wikidataId: string | null;
}

export interface SeedPlace {
  slug: string;
  name: string;
  aliases: string[];
  kind: SeedPlaceKind;
  /** ISO 3166-1 alpha-2, upper case. */
  countryCode: string;
  latitude: number;
  longitude: number;
  /** Slug of the enclosing place; parents are listed before their children. */
  parentSlug: string | null;
  geonamesId: number | null;
  wikidataId: string | null;
}

export interface SeedQuote {
  text: string;
  /** Slug of the person who said it, or null for an institution or outlet. */
  speakerSlug: string | null;
  /** Who said it when it was not a person (e.g. "Ministero della Difesa russo"). */
  attribution: string | null;
  /** Outlet or channel it came through: "Izvestia", "Tass", "Telegram", ... */
  source: string | null;
  context: string | null;
}

export interface SeedEntry {
  headline: string;
  body: string;
  /** ISO 8601 with offset, on 2025-12-23. */
  publishedAt: string;
  keyEvent: boolean;
  pinned: boolean;
  author: string;
  /** Slugs of people and places the entry mentions. */
  people: string[];
  places: string[];
  quotes: SeedQuote[];
}

export interface SeedStory {
  slug: string;
  title: string;
  summary: string;
  language: string;
  status: 'draft' | 'live' | 'paused' | 'ended';
  coverageStartAt: string;
  coverageEndAt: string | null;
  /** In the order the article gives them (newest first). */
  entries: SeedEntry[];
}
