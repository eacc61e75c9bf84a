/**
 * The schema.org LiveBlogPosting of a story (JSON-LD), built in one place:
 * the API serves it as `Story.liveBlogPosting` and the story page embeds that
 * very field, so search engines and a newsroom's own front end read the same
 * document. See https://schema.org/LiveBlogPosting.
 */
import type { EntryMedia } from '../db/schema.js';

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
}

export interface PostingEntry {
  /** The entry's global ID: its anchor on the story page derives from it. */
  globalId: string;
  headline: string;
  body: string;
  /** The byline, when the entry has one. */
  author: string | null;
  status: 'draft' | 'scheduled' | 'published' | 'retracted';
  publishedAt: Date | null;
  updatedAt: Date;
  /** Its images, in order (absent: none). */
  media?: readonly EntryMedia[];
  /** The public correction notes of its revisions, oldest first (none when it was never corrected). */
  corrections?: readonly { note: string; at: Date }[];
}

/** Who publishes the live blog (PUBLISHER_NAME, PUBLISHER_URL, PUBLISHER_LOGO_URL). */
export interface Publisher {
  name: string;
  /** Absolute http(s) URL of the publisher's site, or null to leave it out. */
  url: string | null;
  /** Absolute http(s) URL of the publisher's logo, or null to leave it out. */
  logoUrl: string | null;
}

export interface PersonDocument {
  '@type': 'Person';
  name: string;
}

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
  author?: PersonDocument;
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
  /** The bylines of its updates, in order of their latest update. */
  author?: PersonDocument[];
  publisher: OrganizationDocument;
  liveBlogUpdate: BlogPostingUpdate[];
}

/**
 * Only published entries become updates, whoever asks: a draft is not news
 * yet, and a retracted entry's text was withdrawn (its tombstone is for the
 * page, not for search engines). A story still going on has no end time.
 * Each update names its byline as `author`; the live blog's `author` lists
 * those bylines, and its `publisher` is the configured organisation.
 */
export function liveBlogPosting(story: PostingStory, entries: readonly PostingEntry[], pageUrl: string | null, publisher: Publisher): LiveBlogPostingDocument {
  const start = (story.coverageStartAt ?? story.createdAt).toISOString();
  const published = entries.filter((e): e is PostingEntry & { publishedAt: Date } => e.status === 'published' && e.publishedAt !== null);
  const bylines = [...new Set(published.map((e) => e.author?.trim()).filter((a): a is string => Boolean(a)))];
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
    ...(bylines.length ? { author: bylines.map(person) } : {}),
    publisher: organization(publisher),
    liveBlogUpdate: published.map((e) => ({
      '@type': 'BlogPosting' as const,
      headline: e.headline,
      articleBody: e.body,
      datePublished: e.publishedAt.toISOString(),
      dateModified: e.updatedAt.toISOString(),
      ...(e.author?.trim() ? { author: person(e.author.trim()) } : {}),
      ...(e.media?.length ? { image: e.media.map(image) } : {}),
      ...(pageUrl ? { url: `${pageUrl}#${entryAnchor(e.globalId)}` } : {}),
      ...(e.corrections?.length
        ? { correction: e.corrections.map((c) => ({ '@type': 'CorrectionComment' as const, text: c.note, datePublished: c.at.toISOString() })) }
        : {}),
    })),
  };
}

const person = (name: string): PersonDocument => ({ '@type': 'Person', name });

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
