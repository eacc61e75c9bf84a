/**
 * The schema.org LiveBlogPosting of a story (JSON-LD), built in one place:
 * the API serves it as `Story.liveBlogPosting` and the story page embeds that
 * very field, so search engines and a newsroom's own front end read the same
 * document. See https://schema.org/LiveBlogPosting.
 */
import type { Publisher } from '../config.js';
import type { BylineKind, EntryMedia } from '../db/schema.js';
import { bylineKindOf } from './byline.js';

/** The element id of an entry on a story page, also the fragment of its URL in the JSON-LD. */
export function entryAnchor(entryGlobalId: string): string {
  return `entry-${entryGlobalId.replace(/=+$/, '').replace(/[+/]/g, (c) => (c === '+' ? '-' : '_'))}`;
}

export interface PostingStory {
  title: string;
  summary: string | null;
  language: string;
  coverageStartAt: Date | null;
  coverageEndAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The lead image editors chose, if any. */
  image?: EntryMedia | null;
}

export interface PostingEntry {
  /** The entry's global ID: its anchor on the story page derives from it. */
  globalId: string;
  headline: string;
  body: string;
  /** The byline, when the entry has one. */
  author: string | null;
  /** Whether the byline names a person or a desk, as the editor said (null: guessed from the name, src/formats/byline.ts). */
  bylineKind?: BylineKind | null;
  status: 'draft' | 'scheduled' | 'published' | 'retracted';
  publishedAt: Date | null;
  updatedAt: Date;
  /** Its images, in order (absent: none). */
  media?: readonly EntryMedia[];
  /** The public correction notes of its revisions, oldest first (none when it was never corrected). */
  corrections?: readonly { note: string; at: Date }[];
}

export interface PersonDocument {
  '@type': 'Person';
  name: string;
}

/** A byline: a person, or a desk typed as the organisation it is. */
export type BylineDocument = PersonDocument | OrganizationDocument;

export interface OrganizationDocument {
  '@type': 'Organization';
  name: string;
  url?: string;
  logo?: { '@type': 'ImageObject'; url: string };
}

export interface ImageDocument {
  '@type': 'ImageObject';
  url: string;
  contentUrl: string;
  description: string;
  caption?: string;
  creditText?: string;
  width?: number;
  height?: number;
}

export interface BlogPostingUpdate {
  '@type': 'BlogPosting';
  headline: string;
  articleBody: string;
  datePublished: string;
  dateModified: string;
  author?: BylineDocument;
  image?: ImageDocument[];
  url?: string;
  /** schema.org `correction`: one CorrectionComment per published correction note. */
  correction?: CorrectionCommentDocument[];
}

export interface CorrectionCommentDocument {
  '@type': 'CorrectionComment';
  text: string;
  datePublished: string;
}

export interface LiveBlogPostingDocument {
  '@context': 'https://schema.org';
  '@type': 'LiveBlogPosting';
  headline: string;
  description?: string;
  inLanguage: string;
  datePublished: string;
  dateModified: string;
  coverageStartTime: string;
  coverageEndTime?: string;
  url?: string;
  mainEntityOfPage?: string;
  /** The story's lead image; without one, the newest image of its published updates. */
  image?: ImageDocument[];
  /** The bylines of its updates, in order of their latest update. */
  author?: BylineDocument[];
  publisher: OrganizationDocument;
  liveBlogUpdate: BlogPostingUpdate[];
}

/**
 * Only published entries become updates, whoever asks: a draft is not news
 * yet, and a retracted entry's text was withdrawn (its tombstone is for the
 * page, not for search engines). A story still going on has no end time.
 * Each update names its byline as `author` (a Person, or an Organization for
 * a desk: src/formats/byline.ts); the live blog's `author` lists those
 * bylines, and its `publisher` is the configured organisation. Its `image`
 * is the story's lead image; a story without one shows the newest image of
 * its published updates, so that search engines have an image as soon as
 * one is published (Google's article guidance asks for one).
 */
export function liveBlogPosting(story: PostingStory, entries: readonly PostingEntry[], pageUrl: string | null, publisher: Publisher): LiveBlogPostingDocument {
  const start = (story.coverageStartAt ?? story.createdAt).toISOString();
  const published = entries.filter((e): e is PostingEntry & { publishedAt: Date } => e.status === 'published' && e.publishedAt !== null);
  const bylines = new Map<string, BylineDocument>();
  for (const e of published) {
    const name = e.author?.trim();
    if (name && !bylines.has(name)) bylines.set(name, byline(name, e.bylineKind));
  }
  const lead = story.image ?? published.find((e) => e.media?.length)?.media?.[0] ?? null;
  return {
    '@context': 'https://schema.org',
    '@type': 'LiveBlogPosting',
    headline: story.title,
    ...(story.summary ? { description: story.summary } : {}),
    inLanguage: story.language,
    datePublished: start,
    dateModified: story.updatedAt.toISOString(),
    coverageStartTime: start,
    ...(story.coverageEndAt ? { coverageEndTime: story.coverageEndAt.toISOString() } : {}),
    ...(pageUrl ? { url: pageUrl, mainEntityOfPage: pageUrl } : {}),
    ...(lead ? { image: [image(lead)] } : {}),
    ...(bylines.size ? { author: [...bylines.values()] } : {}),
    publisher: organization(publisher),
    liveBlogUpdate: published.map((e) => ({
      '@type': 'BlogPosting' as const,
      headline: e.headline,
      articleBody: e.body,
      datePublished: e.publishedAt.toISOString(),
      dateModified: e.updatedAt.toISOString(),
      ...(e.author?.trim() ? { author: byline(e.author.trim(), e.bylineKind) } : {}),
      ...(e.media?.length ? { image: e.media.map(image) } : {}),
      ...(pageUrl ? { url: `${pageUrl}#${entryAnchor(e.globalId)}` } : {}),
      ...(e.corrections?.length
        ? { correction: e.corrections.map((c) => ({ '@type': 'CorrectionComment' as const, text: c.note, datePublished: c.at.toISOString() })) }
        : {}),
    })),
  };
}

const byline = (name: string, said: BylineKind | null | undefined): BylineDocument =>
  bylineKindOf(name, said) === 'organization' ? { '@type': 'Organization', name } : { '@type': 'Person', name };

/** An entry's image as schema.org reads it: the alt text as its description, the credit as creditText. */
function image(m: EntryMedia): ImageDocument {
  return {
    '@type': 'ImageObject',
    url: m.url,
    contentUrl: m.url,
    description: m.alt,
    ...(m.caption ? { caption: m.caption } : {}),
    ...(m.credit ? { creditText: m.credit } : {}),
    ...(m.width ? { width: m.width } : {}),
    ...(m.height ? { height: m.height } : {}),
  };
}

function organization(publisher: Publisher): OrganizationDocument {
  return {
    '@type': 'Organization',
    name: publisher.name,
    ...(publisher.url ? { url: publisher.url } : {}),
    ...(publisher.logoUrl ? { logo: { '@type': 'ImageObject', url: publisher.logoUrl } } : {}),
  };
}
