/**
 * Who sees what, in one place. Readers (anonymous or with the reader role)
 * see stories that are not drafts, and in them published entries plus the
 * tombstones of retracted ones; editors see everything. Every query that
 * returns stories, entries, quotes or mentions adds these conditions, so a
 * draft cannot leak through a path someone forgot.
 */
import { type SQL, inArray, ne, sql } from 'drizzle-orm';
import { canSeeUnpublished, type Viewer } from '../viewer.js';
import { entries, quotes, stories } from './schema.js';

const storyIsPublic = sql`exists (select 1 from ${stories} as public_story where public_story.id = ${entries.storyId} and public_story.status <> 'draft')`;

/** Stories the viewer may see. */
export function storyVisible(viewer: Viewer): SQL | undefined {
  return canSeeUnpublished(viewer) ? undefined : ne(stories.status, 'draft');
}

/** Entries in a story's feed: readers also get retracted ones, as tombstones. */
export function entryInFeed(viewer: Viewer): SQL | undefined {
  return canSeeUnpublished(viewer) ? undefined : sql`${inArray(entries.status, ['published', 'retracted'])} and ${storyIsPublic}`;
}

/**
 * Entries whose content counts: search results, mentions, quotes. For readers
 * only published entries; a retraction withdraws what the entry said.
 */
export function entryContentVisible(viewer: Viewer): SQL | undefined {
  return canSeeUnpublished(viewer) ? undefined : sql`${entries.status} = 'published' and ${storyIsPublic}`;
}

/**
 * Quotes the viewer may see, besides their entry being visible: readers only
 * confirmed ones, editors the suggestions linking made too (to review them);
 * a rejected suggestion is kept only so that linking does not suggest it
 * again, and nobody lists it.
 */
export function quoteVisible(viewer: Viewer): SQL {
  return canSeeUnpublished(viewer) ? sql`${quotes.status} <> 'rejected'` : sql`${quotes.status} = 'confirmed'`;
}

/**
 * What the conditions above depend on, as a key: queries built once and
 * kept (./prepared.ts) are kept per visibility. Every function above must
 * depend on the viewer through this alone.
 */
export function visibilityKey(viewer: Viewer): 'all' | 'public' {
  return canSeeUnpublished(viewer) ? 'all' : 'public';
}
