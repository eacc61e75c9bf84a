/** Story.liveBlogPosting: the story as schema.org JSON-LD, the document the story page embeds. */
import { LIST_ITEMS_EXTENSION } from '../../plugins/cost.js';
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.js';
import { badUserInput } from '../../errors.js';
import type { Entry } from '../../db/columns.js';
import { newestFirst, storyEntryPages } from '../../loaders/entries.js';
import { readPage } from '../../loaders/keyset.js';
import { publicCorrections } from '../../loaders/revisions.js';
import type { EntryRevisionRow } from '../../db/schema.js';
import { liveBlogPosting } from '../../formats/live-blog-posting.js';
import { anonymousReader } from '../../viewer.js';
import { builder } from '../builder.js';
import { encodeGlobalId } from '../../global-id.js';
import { StoryRef } from './story.js';

/** Updates in the document: a page's worth of recent news, as search engines read it. */
export const LIVE_BLOG_UPDATES = 100;

// The document is public whoever asks: the feed is read as an anonymous
// reader, so an editor's drafts neither appear nor take an update's place.
// One loader per page size asked for (a story page asks for the entries it shows).
const publicFeeds = createContextCache(() => new Map<number, DataLoader<number, Entry[]>>());
function publicFeed(ctx: Context, first: number): DataLoader<number, Entry[]> {
  const loaders = publicFeeds(ctx);
  let loader = loaders.get(first);
  if (!loader) {
    loader = new DataLoader<number, Entry[]>(async (storyIds) => {
      const pages = await storyEntryPages({ ...ctx, viewer: anonymousReader }, storyIds, readPage({ first }, newestFirst, 'LiveBlogPosting.liveBlogUpdate'), {
        order: 'NEWEST_FIRST',
        keyEventsOnly: false,
        mentioning: null,
      });
      return pages.map((page) => page.edges.map((edge) => edge.node));
    });
    loaders.set(first, loader);
  }
  return loader;
}

// Correction notes of the updates, for every story in the request at once.
const correctionsOf = createContextCache((ctx: Context) => new DataLoader<number, EntryRevisionRow[]>(async (entryIds) => publicCorrections(ctx, entryIds)));

function pageUrl(url: string | null | undefined): string | null {
  if (url == null) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUserInput('url', 'must be an absolute http or https URL');
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || url.length > 2000) throw badUserInput('url', 'must be an absolute http or https URL');
  parsed.hash = '';
  return parsed.toString();
}

builder.objectField(StoryRef, 'liveBlogPosting', (t) =>
  t.field({
    type: 'JSON',
    // One value holding up to LIVE_BLOG_UPDATES entries: costed as that many (src/plugins/cost.ts).
    extensions: { [LIST_ITEMS_EXTENSION]: LIVE_BLOG_UPDATES },
    description: `The story as a schema.org \`LiveBlogPosting\` (JSON-LD), ready for a \`<script type="application/ld+json">\`: coverage start and end, and the published ones among its newest \`first\` entries (${LIVE_BLOG_UPDATES} by default) as \`liveBlogUpdate\` BlogPostings (headline, articleBody, datePublished, dateModified, the byline as \`author\`, its images as \`image\` ImageObjects, and each published correction note as a \`correction\` CorrectionComment), with those bylines as its own \`author\` and the configured organisation (PUBLISHER_NAME, PUBLISHER_URL, PUBLISHER_LOGO_URL) as its \`publisher\`. Drafts never appear and retracted entries are left out, whoever asks. Diretta's own story page embeds this document.`,
    args: {
      url: t.arg.string({
        description: 'Absolute URL of the page that shows the story on your site: it becomes the document\'s `url` and `mainEntityOfPage`, and each update\'s `url` is it plus `#entry-…`, the anchor Diretta\'s own page uses. Left out, the document has no URLs.',
      }),
      first: t.arg.int({
        description: `How many of the story's newest entries (as readers see them: published and retracted) the document covers, 1 to ${LIVE_BLOG_UPDATES}; the retracted ones among them are left out. Give the number of entries your page shows, so that the document covers the same ones (Diretta's page does).`,
      }),
    },
    resolve: async (story, args, ctx) => {
      const url = pageUrl(args.url);
      const first = args.first ?? LIVE_BLOG_UPDATES;
      if (!Number.isInteger(first) || first < 1 || first > LIVE_BLOG_UPDATES) throw badUserInput('first', `must be between 1 and ${LIVE_BLOG_UPDATES}`);
      const entries = await publicFeed(ctx, first).load(story.id);
      const corrections = await correctionsOf(ctx).loadMany(entries.map((e) => e.id));
      return liveBlogPosting(
        story,
        entries.map((e, i) => {
          const notes = corrections[i];
          return {
            ...e,
            globalId: encodeGlobalId('Entry', e.id),
            corrections: Array.isArray(notes) ? notes.map((r) => ({ note: r.correctionNote!, at: r.createdAt })) : [],
          };
        }),
        url,
        ctx.publisher,
      );
    },
  }),
);
