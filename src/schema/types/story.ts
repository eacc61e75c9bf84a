import type { StoryRow } from '../../db/schema.js';
import { badUserInput, notFound } from '../../errors.js';
import { readPage } from '../../loaders/keyset.js';
import { storiesByIds, storiesPage, storyBySlug, storyCounts, storyOrder } from '../../loaders/stories.js';
import { createStory, setStoryStatus, updateStory } from '../../editing/stories.js';
import { encodeEventCursor } from '../../live/event-cursor.js';
import { canSeeUnpublished } from '../../viewer.js';
import { builder } from '../builder.js';
import { undefinedIfNull } from '../inputs.js';
import { parseNodeId } from '../../global-id.js';
import { StoryImageInput, StoryImageRef } from './image.js';

export const StoryStatusEnum = builder.enumType('StoryStatus', {
  description: 'Where a story is in its life.',
  values: {
    DRAFT: { value: 'draft', description: 'Being prepared; visible to editors only.' },
    LIVE: { value: 'live', description: 'Coverage is under way: entries are being published.' },
    PAUSED: { value: 'paused', description: 'Coverage is interrupted and expected to resume.' },
    ENDED: { value: 'ended', description: 'Coverage is over; the story is an archive.' },
  } as const,
});

export const StoryRef = builder.loadableNode('Story', {
  description: 'A live blog: one running story that a newsroom covers with timestamped entries.',
  id: { resolve: (story: StoryRow) => story.id, parse: Number },
  load: (ids: number[], ctx) => storiesByIds(ctx, ids),
  sort: (story) => story.id,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Unique, URL-friendly name, e.g. `ucraina-russia-negoziati-miami-2025-12-23`.' }),
    title: t.exposeString('title', { description: 'Headline of the whole story.' }),
    summary: t.exposeString('summary', { nullable: true, description: 'Standfirst: what the story is about, in a sentence or two.' }),
    language: t.exposeString('language', { description: 'BCP 47 language tag of the coverage (e.g. `it`); full-text search analyses entries in it.' }),
    status: t.field({ type: StoryStatusEnum, resolve: (s) => s.status, description: 'Draft, live, paused or ended.' }),
    coverageStartAt: t.expose('coverageStartAt', { type: 'DateTime', nullable: true, description: 'When live coverage began.' }),
    coverageEndAt: t.expose('coverageEndAt', { type: 'DateTime', nullable: true, description: 'When live coverage ended; null while it goes on.' }),
    image: t.field({
      type: StoryImageRef,
      nullable: true,
      description: 'The lead image editors chose (createStory/updateStory `image`); null when none was. The JSON-LD (`liveBlogPosting`) falls back to the newest image of a published entry.',
      resolve: (s) => s.image,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the story was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the story or one of its public entries last changed (a draft saved does not move it).' }),
    eventCursor: t.string({
      description:
        'Cursor of the story\'s latest event you can see. Read it with the page you render, then subscribe to `storyEvents(after: eventCursor)`: you receive exactly what happened since, with no gap between the query and the subscription. A reader\'s cursor counts public events only: it does not move when an editor saves a draft.',
      resolve: (story, _args, ctx) =>
        canSeeUnpublished(ctx.viewer) ? encodeEventCursor(story.id, story.lastEventSeq) : encodeEventCursor(story.id, story.lastPublicSeq, true),
    }),
    counts: t.loadable({
      type: StoryCountsRef,
      description: 'How much the story holds, as the viewer sees it.',
      load: (ids: number[], ctx) => storyCounts(ctx, ids),
      sort: (counts) => counts.storyId,
      resolve: (story) => story.id,
    }),
  }),
});

const StoryCountsRef = builder.objectRef<Awaited<ReturnType<typeof storyCounts>>[number]>('StoryCounts').implement({
  description: 'Totals of a story. Drafts and retracted entries count only for editors.',
  fields: (t) => ({
    entries: t.exposeInt('entries', { description: 'Entries published (for editors: all entries).' }),
    keyEvents: t.exposeInt('keyEvents', { description: 'Entries marked as key events.' }),
    quotes: t.exposeInt('quotes', { description: 'Quotes in its entries.' }),
    people: t.exposeInt('people', { description: 'Distinct people its entries mention.' }),
    places: t.exposeInt('places', { description: 'Distinct places its entries mention.' }),
  }),
});

export const StoryConnection = builder.connectionObject(
  { type: StoryRef, name: 'StoryConnection', description: 'A page of stories.' },
  { name: 'StoryEdge', description: 'A story in a page of stories.' },
);

builder.queryFields((t) => ({
  story: t.field({
    type: StoryRef,
    nullable: true,
    description: 'One story, by `slug` or by `id` (give exactly one). An unknown story is a NOT_FOUND error.',
    args: {
      slug: t.arg.string({ description: 'The story\'s slug.' }),
      id: t.arg.id({ description: 'The story\'s global ID.' }),
    },
    resolve: async (_root, args, ctx) => {
      if ((args.slug == null) === (args.id == null)) throw badUserInput('slug', 'give either `slug` or `id`');
      const story = args.slug != null
        ? await storyBySlug(ctx, args.slug)
        : await StoryRef.getDataloader(ctx).load(parseNodeId(String(args.id), 'id', ['Story']).id);
      if (!story) throw notFound(args.slug != null ? 'slug' : 'id', `No story ${args.slug != null ? `with slug "${args.slug}"` : 'with that ID'}.`);
      // Its quotes' and entries' `story` is this story: no statement to load it again.
      if (args.slug != null) StoryRef.getDataloader(ctx).prime(story.id, story);
      return story;
    },
  }),
  stories: t.field({
    type: StoryConnection,
    description: 'Stories, most recently updated first.',
    args: {
      ...t.arg.connectionArgs(),
      status: t.arg({ type: [StoryStatusEnum], required: false, description: 'Only stories in these statuses (e.g. `[LIVE]`).' }),
    },
    resolve: (_root, args, ctx) => {
      if (args.status && args.status.length === 0) throw badUserInput('status', 'give at least one status, or leave it out');
      return storiesPage(ctx, readPage(args, storyOrder, 'Query.stories'), { statuses: args.status ?? null });
    },
  }),
}));

builder.relayMutationField(
  'createStory',
  {
    description: 'A new story. It starts as a draft unless `status` says otherwise.',
    inputFields: (t) => ({
      slug: t.string({ required: true, description: 'Unique, URL-friendly name: lower-case letters, digits and hyphens.' }),
      title: t.string({ required: true, description: 'Headline of the story, up to 200 characters.' }),
      summary: t.string({ description: 'Standfirst, up to 1000 characters.' }),
      language: t.string({ required: true, description: 'BCP 47 language tag of the coverage, e.g. `it`.' }),
      status: t.field({ type: StoryStatusEnum, defaultValue: 'draft', description: 'Initial status (default DRAFT).' }),
      coverageStartAt: t.field({ type: 'DateTime', description: 'When coverage began; defaults to now for a live story.' }),
      image: t.field({ type: StoryImageInput, description: 'The lead image: an https:// URL with its alt text, caption and credit (validated like an entry\'s images).' }),
      idempotencyKey: t.string({ description: 'Any unique string: retrying with the same key returns the first result instead of creating twice.' }),
    }),
  },
  {
    description: 'Creates a story (editors).',
    resolve: async (_root, { input }, ctx) => ({ story: await createStory(ctx, { ...input, status: input.status ?? 'draft' }) }),
  },
  { description: 'The story created.', outputFields: (t) => ({ story: t.field({ type: StoryRef, description: 'The new story.', resolve: (p) => p.story }) }) },
);

builder.relayMutationField(
  'updateStory',
  {
    description: 'Changes to a story; fields left out stay as they are.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The story.' }),
      title: t.string({ description: 'New headline.' }),
      summary: t.string({ description: 'New standfirst; an empty string clears it.' }),
      language: t.string({ description: 'New language; its entries are re-indexed for search.' }),
      coverageStartAt: t.field({ type: 'DateTime', description: 'When coverage began.' }),
      coverageEndAt: t.field({ type: 'DateTime', description: 'When coverage ended.' }),
      image: t.field({ type: StoryImageInput, description: 'A new lead image; null removes it.' }),
    }),
  },
  {
    description: 'Edits a story (editors); live tickers receive a STORY_UPDATED event.',
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return { story: await updateStory(ctx, parseNodeId(String(id), 'input.id', ['Story']).id, undefinedIfNull(changes, ['title', 'language'])) };
    },
  },
  { description: 'The story after the change.', outputFields: (t) => ({ story: t.field({ type: StoryRef, description: 'The story.', resolve: (p) => p.story }) }) },
);

builder.relayMutationField(
  'setStoryStatus',
  {
    description: 'Moves a story along draft → live ⇄ paused → ended (an ended story may go live again; nothing returns to draft).',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The story.' }),
      status: t.field({ type: StoryStatusEnum, required: true, description: 'The new status.' }),
    }),
  },
  {
    description: 'Changes a story\'s status (editors); live tickers receive a STORY_STATUS_CHANGED event.',
    resolve: async (_root, { input }, ctx) => ({ story: await setStoryStatus(ctx, parseNodeId(String(input.id), 'input.id', ['Story']).id, input.status) }),
  },
  { description: 'The story after the change.', outputFields: (t) => ({ story: t.field({ type: StoryRef, description: 'The story.', resolve: (p) => p.story }) }) },
);
