import type { Entry } from '../../db/columns.js';
import type { EntryMedia } from '../../db/schema.js';
import { entriesByIds, mentioningEntryPages, newestFirst, oldestFirst, pinnedEntries, storyEntryPages } from '../../loaders/entries.js';
import { readPage } from '../../loaders/keyset.js';
import { entryMentionLists } from '../../loaders/mentionables.js';
import { canSeeUnpublished } from '../../viewer.js';
import type { ObjectParam } from '@pothos/core';
import type { MentionableRow } from '../../db/mentionables.js';
import { type BuilderTypes, builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { PersonRef } from './person.js';
import { PlaceRef } from './place.js';
import { StoryRef } from './story.js';
import { imageFields } from './image.js';
import { bylineKindOf } from '../../formats/byline.js';

export const EntryStatusEnum = builder.enumType('EntryStatus', {
  description: 'Where an entry is in its life.',
  values: {
    DRAFT: { value: 'draft', description: 'Written but not published; visible to editors only.' },
    SCHEDULED: { value: 'scheduled', description: 'Held until `publishAt` (an embargo); visible to editors only until then, when it is published by itself.' },
    PUBLISHED: { value: 'published', description: 'Public.' },
    RETRACTED: { value: 'retracted', description: 'Withdrawn: a tombstone stays in the feed, its body is gone for readers.' },
  } as const,
});

export const EntryOrderEnum = builder.enumType('EntryOrder', {
  description: 'Order of a story\'s entries.',
  values: {
    NEWEST_FIRST: { description: 'Latest first, as a live blog reads (the default).' },
    OLDEST_FIRST: { description: 'In the order they happened, as a timeline reads.' },
  } as const,
});

export const EntryMediaRef = builder.objectRef<EntryMedia>('EntryMedia').implement({
  description: 'An image shown with an entry, with its caption and credit.',
  fields: imageFields,
});

export const BylineKindEnum = builder.enumType('BylineKind', {
  description: 'What a byline names, as the JSON-LD types it: a person (schema.org Person) or a desk, newsroom or agency (Organization).',
  values: {
    PERSON: { value: 'person', description: 'A person, e.g. "Anna Zafesova".' },
    ORGANIZATION: { value: 'organization', description: 'A desk, newsroom or agency, e.g. "Redazione Esteri".' },
  } as const,
});

export const EntryRef = builder.loadableNode('Entry', {
  description: 'One timestamped update in a story: a headline and a short text.',
  id: { resolve: (entry: Entry) => entry.id, parse: Number },
  load: (ids: number[], ctx) => entriesByIds(ctx, ids),
  sort: (entry) => entry.id,
  fields: (t) => ({
    headline: t.exposeString('headline', { description: 'Short title of the entry.' }),
    body: t.string({
      nullable: true,
      description: 'Text of the entry; null for readers once the entry is retracted.',
      resolve: (entry, _args, ctx) => (entry.status === 'retracted' && !canSeeUnpublished(ctx.viewer) ? null : entry.body),
    }),
    status: t.field({ type: EntryStatusEnum, resolve: (e) => e.status, description: 'Draft, published or retracted.' }),
    keyEvent: t.exposeBoolean('keyEvent', { description: 'Whether editors marked it as a key event of the story.' }),
    autoLink: t.exposeBoolean('autoLink', { description: 'Whether writing the entry links the people and places its text names and suggests its quotes (see createEntry\'s `autoLink`).' }),
    pinned: t.exposeBoolean('pinned', { description: 'Whether it is pinned on top of the story (at most one per story).' }),
    author: t.exposeString('author', { nullable: true, description: 'Byline.' }),
    bylineKind: t.field({
      type: BylineKindEnum,
      nullable: true,
      description:
        'Whether the byline names a person or a desk: as the editor said (createEntry/updateEntry `bylineKind`), else guessed from the name (a byline with a word such as Redazione, Desk, Newsroom, Staff or Agenzia is a desk). Null without a byline.',
      resolve: (e) => (e.author ? bylineKindOf(e.author, e.bylineKind) : null),
    }),
    revision: t.exposeInt('revision', { description: 'Starts at 1 and goes up with every edit.' }),
    correctionNote: t.exposeString('correctionNote', { nullable: true, description: 'Public note explaining the latest correction.' }),
    media: t.field({
      type: [EntryMediaRef],
      description: 'Images shown with the entry, in order (at most 10); none for readers once it is retracted.',
      resolve: (entry, _args, ctx) => (entry.status === 'retracted' && !canSeeUnpublished(ctx.viewer) ? [] : entry.media),
    }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true, description: 'When it went public; null for drafts.' }),
    takenDownAt: t.expose('takenDownAt', { type: 'DateTime', nullable: true, description: 'When it was taken down for legal reasons; null otherwise.' }),
    takedownReason: t.exposeString('takedownReason', { nullable: true, description: 'Why it was taken down (its text is gone everywhere); null otherwise.' }),
    publishAt: t.expose('publishAt', { type: 'DateTime', nullable: true, description: 'When a SCHEDULED entry goes public; null otherwise.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was written.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    story: t.field({
      type: StoryRef,
      description: 'The story it belongs to.',
      resolve: (entry, _args, ctx) => StoryRef.getDataloader(ctx).load(entry.storyId),
    }),
    people: t.loadableList({
      type: PersonRef,
      description: 'People the entry mentions (none for readers once it is retracted).',
      load: (ids: number[], ctx) => entryMentionLists(ctx, 'Person', ids),
      resolve: (entry) => entry.id,
    }),
    places: t.loadableList({
      type: PlaceRef,
      description: 'Places the entry mentions (none for readers once it is retracted).',
      load: (ids: number[], ctx) => entryMentionLists(ctx, 'Place', ids),
      resolve: (entry) => entry.id,
    }),
  }),
});

export const EntryConnection = builder.connectionObject(
  { type: EntryRef, name: 'EntryConnection', description: 'A page of entries.' },
  { name: 'EntryEdge', description: 'An entry in a page of entries.' },
);

builder.objectFields(StoryRef, (t) => ({
  entries: t.loadable({
    type: EntryConnection,
    description:
      'The story\'s entries, newest first unless `order` says otherwise. Readers see published entries and the tombstones of retracted ones; editors also see drafts.',
    byPath: true,
    args: {
      ...t.arg.connectionArgs(),
      order: t.arg({ type: EntryOrderEnum, defaultValue: 'NEWEST_FIRST', description: 'Newest or oldest first.' }),
      keyEventsOnly: t.arg.boolean({ defaultValue: false, description: 'Only entries marked as key events.' }),
      mentioning: t.arg.id({ description: 'Only entries that mention this Person or Place (by global ID).' }),
    },
    load: async (ids: number[], ctx, args) => {
      const order = args.order ?? 'NEWEST_FIRST';
      return storyEntryPages(ctx, ids, readPage(args, order === 'OLDEST_FIRST' ? oldestFirst : newestFirst, `Story.entries:${order}`), {
        order,
        keyEventsOnly: args.keyEventsOnly ?? false,
        mentioning: args.mentioning == null ? null : parseNodeId(String(args.mentioning), 'mentioning', ['Person', 'Place'] as const),
      });
    },
    resolve: (story) => story.id,
  }),
  keyEvents: t.loadable({
    type: EntryConnection,
    description: 'The entries marked as key events, newest first: the story in brief.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) =>
      storyEntryPages(ctx, ids, readPage(args, newestFirst, 'Story.keyEvents'), { order: 'NEWEST_FIRST', keyEventsOnly: true, mentioning: null }),
    resolve: (story) => story.id,
  }),
  pinnedEntry: t.loadable({
    type: EntryRef,
    nullable: true,
    description: 'The entry pinned on top of the story, if any.',
    load: async (storyIds: number[], ctx) => {
      const pinned = new Map((await pinnedEntries(ctx, storyIds)).map((e) => [e.storyId, e]));
      return storyIds.map((id) => pinned.get(id) ?? null);
    },
    resolve: (story) => story.id,
  }),
}));

for (const [ref, kind, noun] of [
  [PersonRef, 'Person', 'person'],
  [PlaceRef, 'Place', 'place'],
] as const) {
  builder.objectField(ref as ObjectParam<BuilderTypes>, 'entries', (t) =>
    t.loadable({
      type: EntryConnection,
      description: `Entries that mention this ${noun}, newest first, across stories.`,
      byPath: true,
      args: t.arg.connectionArgs(),
      load: async (ids: number[], ctx, args) => mentioningEntryPages(ctx, kind, ids, readPage(args, newestFirst, `${kind}.entries`)),
      resolve: (mentioned) => (mentioned as MentionableRow<typeof kind>).id,
    }),
  );
}
