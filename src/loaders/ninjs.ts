/**
 * Gathers what ninjs documents need (src/formats/ninjs.ts) for many entries
 * or stories at once: a fixed number of statements per batch, whatever its size.
 * The API's global IDs are handed in (`GlobalId`): the domain does not make them.
 */
import type { Access } from '../access.js';
import type { Entry } from '../db/columns.js';
import type { StoryRow } from '../db/schema.js';
import type { Publisher } from '../config.js';
import { type Ninjs, type NinjsEntry, entryNinjs, storyNinjs } from '../formats/ninjs.js';
import { entriesByIds, newestFirst, storyEntryPages } from './entries.js';
import { readPage } from './keyset.js';
import { entryMentionLists } from './mentionables.js';
import { storiesByIds } from './stories.js';
import { canSeeUnpublished } from '../viewer.js';

/** The API's global ID of a row (src/global-id.ts). */
export type GlobalId = (typename: 'Entry' | 'Story', id: number) => string;

/** Entries a story's ninjs carries as associations: the newest, tombstones included. */
export const NINJS_STORY_ENTRIES = 50;

async function withMentions(access: Access, entries: readonly Entry[], globalId: GlobalId): Promise<NinjsEntry[]> {
  const ids = entries.map((e) => e.id);
  const [people, places] = await Promise.all([entryMentionLists(access, 'Person', ids), entryMentionLists(access, 'Place', ids)]);
  return entries.map((entry, i) => ({ globalId: globalId('Entry', entry.id), entry, people: people[i]!, places: places[i]! }));
}

export async function entryNinjsByIds(access: Access & { publisher: Publisher }, ids: readonly number[], globalId: GlobalId): Promise<(Ninjs | null)[]> {
  const entries = await entriesByIds(access, ids);
  const stories = new Map((await storiesByIds(access, [...new Set(entries.map((e) => e.storyId))])).map((s) => [s.id, s]));
  const items = new Map((await withMentions(access, entries, globalId)).map((item) => [item.entry.id, item]));
  return ids.map((id) => {
    const item = items.get(id);
    const story = item && stories.get(item.entry.storyId);
    return item && story ? entryNinjs(item, story, access.publisher) : null;
  });
}

export async function storyNinjsByIds(access: Access & { publisher: Publisher }, ids: readonly number[], globalId: GlobalId): Promise<(Ninjs | null)[]> {
  const stories = await storiesByIds(access, ids);
  const documents = new Map((await storyNinjsFor(access, stories, globalId)).map((doc, i) => [stories[i]!.id, doc]));
  return ids.map((id) => documents.get(id) ?? null);
}

async function storyNinjsFor(access: Access & { publisher: Publisher }, stories: readonly StoryRow[], globalId: GlobalId): Promise<Ninjs[]> {
  if (stories.length === 0) return [];
  const page = readPage({ first: NINJS_STORY_ENTRIES }, newestFirst, 'Story.entries:NEWEST_FIRST');
  const pages = await storyEntryPages(access, stories.map((s) => s.id), page, { order: 'NEWEST_FIRST', keyEventsOnly: false, mentioning: null });
  const items = await withMentions(access, pages.flatMap((p) => p.edges.map((e) => e.node)), globalId);
  // Readers number the story's events as they see them (public ones only), as their cursors do.
  const version = (story: StoryRow) => (canSeeUnpublished(access.viewer) ? story.lastEventSeq : story.lastPublicSeq);
  return stories.map((story) => storyNinjs(story, items.filter((i) => i.entry.storyId === story.id), access.publisher, globalId('Story', story.id), version(story)));
}
