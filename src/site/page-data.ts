/**
 * What the pages ask the API, and the shapes of the answers. The server
 * renders from these queries (run in process through Yoga) and the browser
 * sends the same documents over HTTP and WebSocket, so the page a crawler
 * reads and the page a reader watches come from one source.
 */
import type { StoryEventKind as DbStoryEventKind } from '../db/schema.js';

/**
 * Entries per screen: the first view of a story and each "older updates"
 * load. The page's is PAGE_ENTRIES (src/config.ts); the embed, bundled once
 * for every server, shows this many.
 */
export const ENTRIES_PER_LOAD = 20;

const entryFields = `
fragment TickerEntry on Entry {
  id headline body status keyEvent pinned revision correctionNote publishedAt updatedAt author
  people { id name description }
  places { id name }
  quotes { id text source attribution speaker { id name } }
  media { url alt caption credit width height }
  verification sources { outlet via }
  corrections: revisions(first: 5, correctionsOnly: true) { edges { node { revision revisedAt correctionNote } } }
}`;

export const storyPageQuery = `
query StoryPage($slug: String!, $first: Int!, $after: String, $url: String, $withJsonLd: Boolean! = true) {
  story(slug: $slug) {
    id slug title summary language status coverageStartAt coverageEndAt updatedAt
    image { url alt caption credit width height }
    eventCursor
    liveBlogPosting(url: $url, first: $first) @include(if: $withJsonLd)
    pinnedEntry { ...TickerEntry }
    keyEvents: entries(first: $first, keyEventsOnly: true) { edges { node { id headline publishedAt } } }
    entries(first: $first, after: $after) { edges { node { ...TickerEntry } } pageInfo { hasNextPage endCursor } }
  }
}
${entryFields}`;

export const olderEntriesQuery = `
query OlderEntries($slug: String!, $first: Int!, $after: String!) {
  story(slug: $slug) {
    entries(first: $first, after: $after) { edges { node { ...TickerEntry } } pageInfo { hasNextPage endCursor } }
  }
}
${entryFields}`;

export const storyEventsSubscription = `
subscription StoryTicker($story: ID!, $after: String) {
  storyEvents(story: $story, after: $after) {
    cursor kind occurredAt
    entry { ...TickerEntry }
    story { status coverageEndAt }
  }
}
${entryFields}`;

export const storyListQuery = `
query StoryList {
  stories(first: 100) {
    edges { node { slug title summary status updatedAt entries(first: 1) { edges { node { headline publishedAt } } } } }
  }
}`;

export type StoryStatus = 'DRAFT' | 'LIVE' | 'PAUSED' | 'ENDED';
export type EntryStatus = 'DRAFT' | 'PUBLISHED' | 'RETRACTED';

export interface TickerEntry {
  id: string;
  headline: string;
  body: string | null;
  status: EntryStatus;
  keyEvent: boolean;
  pinned: boolean;
  revision: number;
  correctionNote: string | null;
  publishedAt: string | null;
  updatedAt: string;
  author: string | null;
  people: { id: string; name: string; description: string | null }[];
  places: { id: string; name: string }[];
  quotes: { id: string; text: string; source: string | null; attribution: string; speaker: { id: string; name: string } | null }[];
  media: { url: string; alt: string; caption: string | null; credit: string | null; width: number | null; height: number | null }[];
  /** Absent from documents that do not ask. */
  verification?: 'UNVERIFIED' | 'CONFIRMED' | 'DISPUTED';
  sources?: { outlet: string; via: string | null }[];
  /** Its published corrections, newest first (absent from documents that do not ask). */
  corrections?: { edges: { node: { revision: number; revisedAt: string; correctionNote: string | null } }[] };
}

/** A line of the key-events summary. */
export interface KeyEventItem {
  id: string;
  headline: string;
  publishedAt: string | null;
}

export interface EntryPage {
  edges: { node: TickerEntry }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface StoryPage {
  id: string;
  slug: string;
  title: string;
  summary: string | null;
  language: string;
  status: StoryStatus;
  coverageStartAt: string | null;
  coverageEndAt: string | null;
  updatedAt: string;
  /** The lead image editors chose; absent from documents that do not ask. */
  image?: TickerEntry['media'][number] | null;
  eventCursor: string;
  /** Absent when the query left it out (the embed does). */
  liveBlogPosting?: unknown;
  pinnedEntry: TickerEntry | null;
  /** The newest key events, for the summary at the top. */
  keyEvents: { edges: { node: KeyEventItem }[] };
  entries: EntryPage;
}

export interface StoryPageResult {
  story: StoryPage | null;
}

export interface OlderEntriesResult {
  story: { entries: EntryPage } | null;
}

/** As the API names them: the log's kinds in capitals (src/schema/types/story-event.ts), so a new kind is never missing here. */
export type StoryEventKind = Uppercase<DbStoryEventKind>;

export interface StoryEventResult {
  storyEvents: {
    cursor: string;
    kind: StoryEventKind;
    occurredAt: string;
    entry: TickerEntry | null;
    story: { status: StoryStatus; coverageEndAt: string | null };
  };
}

export interface StoryListResult {
  stories: {
    edges: {
      node: {
        slug: string;
        title: string;
        summary: string | null;
        status: StoryStatus;
        updatedAt: string;
        entries: { edges: { node: { headline: string; publishedAt: string | null } }[] };
      };
    }[];
  };
}

/**
 * An entry the server rendered, as the page's script needs it to place it
 * among the others: its element on the page carries the rest, so the page
 * does not carry every entry's text a second time for the script.
 */
export type PlacedEntry = Pick<TickerEntry, 'id' | 'status' | 'pinned' | 'keyEvent' | 'publishedAt'>;

/** The story a ticker starts from: entries in full (the embed, which renders them itself) or as placed by the server (the page). */
export type TickerStory = Omit<StoryPage, 'liveBlogPosting' | 'entries' | 'pinnedEntry'> & {
  entries: { edges: { node: TickerEntry | PlacedEntry }[]; pageInfo: EntryPage['pageInfo'] };
  pinnedEntry: TickerEntry | PlacedEntry | null;
};

/**
 * What the story page hands its script (and the embed fetches): the story as
 * first rendered, plus where the list stopped. Never the JSON-LD: the page
 * carries that once, in its own block, for crawlers.
 */
export interface TickerState {
  story: TickerStory;
  /** False when the server rendered an older page (`?after=`): new entries do not belong on it. */
  atHead: boolean;
  /** Entries each "older updates" load asks for (PAGE_ENTRIES). */
  pageSize: number;
}

/** What of an entry the page's script needs to place the element the server rendered for it. */
export function placed(entry: TickerEntry): PlacedEntry {
  return { id: entry.id, status: entry.status, pinned: entry.pinned, keyEvent: entry.keyEvent, publishedAt: entry.publishedAt };
}

/** The state the story page hands its script: the story without its JSON-LD, its entries as placed. */
export function pageState(story: StoryPage, atHead: boolean, pageSize: number): TickerState {
  const { liveBlogPosting: _jsonLd, entries, pinnedEntry, ...rest } = story;
  return {
    story: { ...rest, pinnedEntry: pinnedEntry && placed(pinnedEntry), entries: { edges: entries.edges.map((e) => ({ node: placed(e.node) })), pageInfo: entries.pageInfo } },
    atHead,
    pageSize,
  };
}


/** What a feed shows of an entry: its text and times, its byline, its images. */
const feedEntryFields = `
fragment FeedEntry on Entry { id headline body status publishedAt updatedAt author correctionNote media { url alt } }`;

/** Entries a story's feeds carry: the newest, tombstones included. */
export const FEED_ENTRIES = 50;

export const feedQuery = `
query StoryFeed($slug: String!, $first: Int!) {
  story(slug: $slug) {
    slug title summary language updatedAt
    image { url alt }
    entries(first: $first) { edges { node { ...FeedEntry } } }
  }
}
${feedEntryFields}`;

/** The feed of every live story: this many stories, the newest entries of each, merged. */
export const LIVE_FEED_STORIES = 20;
export const LIVE_FEED_ENTRIES_PER_STORY = 20;

export const liveFeedQuery = `
query LiveFeed($stories: Int!, $first: Int!) {
  stories(first: $stories, status: [LIVE]) {
    edges { node { slug updatedAt image { url alt } entries(first: $first) { edges { node { ...FeedEntry } } } } }
  }
}
${feedEntryFields}`;

/** A story as IPTC ninjs 2.1 (/live/<slug>/ninjs.json). */
export const storyNinjsQuery = 'query StoryNinjs($slug: String!) { story(slug: $slug) { ninjs } }';

/**
 * Every operation the pages, the embed and the feeds send: trusted documents
 * (src/plugins/trusted-documents.ts), which anonymous clients may run even
 * with TRUSTED_DOCUMENTS_ONLY, and which the browser asks for by hash.
 */
export const pageDocuments = [storyPageQuery, olderEntriesQuery, storyEventsSubscription, storyListQuery, feedQuery, liveFeedQuery, storyNinjsQuery] as const;
