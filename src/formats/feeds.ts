/**
 * A story as a syndication feed, for partner sites and feed readers that
 * do not speak GraphQL: Atom (RFC 4287), with retractions as tombstones
 * (RFC 6721 `at:deleted-entry`), and JSON Feed 1.1. Pure functions of the
 * story and its newest entries; the site routes them (src/site/router.ts).
 *
 * Links: Atom resolves a relative reference against the feed's own URL
 * (RFC 4287 §5.1.1 via xml:base, else the document's URI), so an Atom feed
 * may carry relative links when PUBLIC_URL is unset. JSON gives a reader no
 * base to resolve against: a JSON Feed carries absolute URLs or none.
 *
 * Images: the story's lead image is the Atom feed's `logo` and each JSON
 * item's `banner_image`; an entry's first image is its JSON item's `image`,
 * and every image of it an Atom `enclosure` link.
 */
import { xmlCarriable } from '../text-guard.js';

export interface FeedStory {
  /** The feed's own id; defaults to the story's URN. */
  feedId?: string;
  slug: string;
  title: string;
  summary: string | null;
  /** Empty for a feed that spans stories in several languages. */
  language: string;
  updatedAt: string;
  /** The story's lead image (absent from a feed of several stories). */
  image?: FeedImage | null;
}

export interface FeedImage {
  /** Absolute https:// URL (src/editing/media-rules.ts). */
  url: string;
  alt: string;
}

export interface FeedEntry {
  id: string;
  headline: string;
  body: string | null;
  status: string;
  publishedAt: string | null;
  updatedAt: string;
  author: string | null;
  correctionNote: string | null;
  /** Its images, in order. */
  media?: readonly FeedImage[];
  /** The page the entry is on, when it differs from the feed's (a feed of several stories). */
  page?: string;
  /** Its story's lead image, when it differs from the feed's (a feed of several stories). */
  storyImage?: FeedImage | null;
}

export interface FeedLinks {
  /** The story's page: absolute from PUBLIC_URL, else relative to the feed (Atom only). */
  page: string;
  /** This feed's own URL. */
  self: string;
}

/** Escaped for XML; a character XML cannot carry at all (in a row older than the text guard) is left out. */
const escapeXml = (text: string) =>
  xmlCarriable(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

const entryUrn = (entry: FeedEntry) => `urn:diretta:entry:${entry.id}`;
const isRetracted = (entry: FeedEntry) => entry.status === 'RETRACTED';

/** The latest change the feed shows: its Last-Modified. */
export function feedUpdated(story: FeedStory, entries: readonly FeedEntry[]): string {
  return entries.reduce((latest, e) => (e.updatedAt > latest ? e.updatedAt : latest), story.updatedAt);
}

export function atomFeed(story: FeedStory, entries: readonly FeedEntry[], links: FeedLinks): string {
  const element = (name: string, text: string | null, attributes = '') => (text === null ? '' : `<${name}${attributes}>${escapeXml(text)}</${name}>`);
  const items = entries.map((entry) => {
    if (isRetracted(entry)) {
      return `<at:deleted-entry ref="${escapeXml(entryUrn(entry))}" when="${escapeXml(entry.updatedAt)}">${element('at:comment', entry.correctionNote)}</at:deleted-entry>`;
    }
    return [
      '<entry>',
      element('id', entryUrn(entry)),
      element('title', entry.headline),
      `<link rel="alternate" type="text/html" href="${escapeXml(`${entry.page ?? links.page}#entry-${entry.id}`)}"/>`,
      element('published', entry.publishedAt),
      element('updated', entry.updatedAt),
      entry.author ? `<author>${element('name', entry.author)}</author>` : '',
      element('summary', entry.correctionNote === null ? null : `Correction: ${entry.correctionNote}`, ' type="text"'),
      element('content', entry.body ?? '', ' type="text"'),
      ...(entry.media ?? []).map((m) => `<link rel="enclosure" href="${escapeXml(m.url)}" title="${escapeXml(m.alt)}"/>`),
      '</entry>',
    ].join('');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:at="http://purl.org/atompub/tombstones/1.0"${story.language ? ` xml:lang="${escapeXml(story.language)}"` : ''}>`,
    element('id', story.feedId ?? `urn:diretta:story:${story.slug}`),
    element('title', story.title),
    element('subtitle', story.summary),
    element('updated', feedUpdated(story, entries)),
    `<link rel="alternate" type="text/html" href="${escapeXml(links.page)}"/>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(links.self)}"/>`,
    story.image ? element('logo', story.image.url) : '',
    '<author><name>Diretta</name></author>',
    '<generator>Diretta</generator>',
    ...items,
    '</feed>',
  ].join('\n');
}

/** `links` are absolute URLs (from PUBLIC_URL), or null: then the feed, its pages and its items carry no URL at all. */
export function jsonFeed(story: FeedStory, entries: readonly FeedEntry[], links: FeedLinks | null): Record<string, unknown> {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: story.title,
    ...(links ? { home_page_url: links.page, feed_url: links.self } : {}),
    ...(story.summary ? { description: story.summary } : {}),
    ...(story.language ? { language: story.language } : {}),
    items: entries.map((entry) => ({
      id: entryUrn(entry),
      ...(links ? { url: `${entry.page ?? links.page}#entry-${entry.id}` } : {}),
      // JSON Feed has no tombstone: a retracted update stays, says so, and shows nothing of what it said.
      title: isRetracted(entry) ? 'Retracted' : entry.headline,
      content_text: isRetracted(entry) ? `This update was retracted.${entry.correctionNote ? ` ${entry.correctionNote}` : ''}` : (entry.body ?? ''),
      ...(entry.publishedAt ? { date_published: entry.publishedAt } : {}),
      date_modified: entry.updatedAt,
      ...(entry.author && !isRetracted(entry) ? { authors: [{ name: entry.author }] } : {}),
      ...(entry.media?.length && !isRetracted(entry) ? { image: entry.media[0]!.url } : {}),
      ...((entry.storyImage ?? story.image) ? { banner_image: (entry.storyImage ?? story.image)!.url } : {}),
      _diretta: { status: entry.status.toLowerCase(), ...(entry.correctionNote ? { correction_note: entry.correctionNote } : {}) },
    })),
  };
}

/**
 * The newest entries of several stories as one list, newest first (by when
 * they went public), each pointing at its own story's page.
 */
export function mergeStoryEntries(
  stories: readonly { slug: string; image?: FeedImage | null; entries: readonly FeedEntry[] }[],
  pageOf: (slug: string) => string,
  limit: number,
): FeedEntry[] {
  const at = (e: FeedEntry) => e.publishedAt ?? e.updatedAt;
  return stories
    .flatMap((story) => story.entries.map((entry) => ({ ...entry, page: pageOf(story.slug), storyImage: story.image ?? null })))
    .sort((a, b) => (at(a) === at(b) ? (a.id < b.id ? 1 : -1) : at(a) < at(b) ? 1 : -1))
    .slice(0, limit);
}
