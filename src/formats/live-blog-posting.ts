/**
 * The schema.org LiveBlogPosting of a story (JSON-LD), built in one place:
 * the API serves it as `Story.liveBlogPosting` and the story page embeds that
 * very field, so search engines and a newsroom's own front end read the same
 * document. See https://schema.org/LiveBlogPosting.
 */

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
  status: 'draft' | 'published' | 'retracted';
  publishedAt: Date | null;
  updatedAt: Date;
}

export interface BlogPostingUpdate {
  '@type': 'BlogPosting';
  headline: string;
  articleBody: string;
  datePublished: string;
  dateModified: string;
  url?: string;
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
  liveBlogUpdate: BlogPostingUpdate[];
}

/**
 * Only published entries become updates, whoever asks: a draft is not news
 * yet, and a retracted entry's text was withdrawn (its tombstone is for the
 * page, not for search engines). A story still going on has no end time.
 */
export function liveBlogPosting(story: PostingStory, entries: readonly PostingEntry[], pageUrl: string | null): LiveBlogPostingDocument {
  const start = (story.coverageStartAt ?? story.createdAt).toISOString();
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
    liveBlogUpdate: entries
      .filter((e): e is PostingEntry & { publishedAt: Date } => e.status === 'published' && e.publishedAt !== null)
      .map((e) => ({
        '@type': 'BlogPosting' as const,
        headline: e.headline,
        articleBody: e.body,
        datePublished: e.publishedAt.toISOString(),
        dateModified: e.updatedAt.toISOString(),
        ...(pageUrl ? { url: `${pageUrl}#${entryAnchor(e.globalId)}` } : {}),
      })),
  };
}
