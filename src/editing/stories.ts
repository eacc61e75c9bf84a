import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Access } from '../access.js';
import { STORY_STATUSES, type StoryRow, type StoryStatus, entries, stories, nowMs } from '../db/schema.js';
import { searchConfigFor } from '../db/search-config.js';
import { clientError, notFound } from '../errors.js';
import { appendEvent, lockStory } from '../live/append-event.js';
import { withConstraintErrors } from './database-errors.js';
import { createOnce } from './idempotency.js';
import { mediaItemSchema, storedImage } from './media-rules.js';
import { idempotencyKey, language, optionalProse, parseInput, slug, text } from './validation.js';

const createStorySchema = z.object({
  slug,
  title: text(200),
  summary: optionalProse(1_000),
  language,
  status: z.enum(STORY_STATUSES),
  coverageStartAt: z.date().nullish(),
  /** The lead image, validated exactly like an entry's images. */
  image: mediaItemSchema.nullish(),
  idempotencyKey,
});

export async function createStory(access: Access, input: z.input<typeof createStorySchema>): Promise<StoryRow> {
  const valid = parseInput(createStorySchema, input);
  return withConstraintErrors(() =>
    access.db.transaction((tx) =>
      createOnce(tx, access, { operation: 'createStory', table: stories, key: valid.idempotencyKey, input: valid }, async () => {
        const [story] = await tx
          .insert(stories)
          .values({
            slug: valid.slug,
            title: valid.title,
            summary: valid.summary ?? null,
            language: valid.language,
            searchConfig: searchConfigFor(valid.language),
            status: valid.status,
            coverageStartAt: valid.coverageStartAt ?? (valid.status === 'live' ? nowMs : null),
            image: valid.image ? storedImage(valid.image) : null,
          })
          .returning();
        return story!;
      }),
    ),
  );
}

const updateStorySchema = z
  .object({
    title: text(200).optional(),
    summary: optionalProse(1_000),
    language: language.optional(),
    coverageStartAt: z.date().nullish(),
    coverageEndAt: z.date().nullish(),
    /** A new lead image; null removes it. */
    image: mediaItemSchema.nullish(),
  })
  .refine((s) => !s.coverageStartAt || !s.coverageEndAt || s.coverageEndAt >= s.coverageStartAt, {
    message: 'must not be before coverageStartAt',
    path: ['coverageEndAt'],
  });

export async function updateStory(access: Access, id: number, input: z.input<typeof updateStorySchema>): Promise<StoryRow> {
  const valid = parseInput(updateStorySchema, input);
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const story = await lockStory(tx, id);
      if (!story) throw notFound('input.id', 'No story with that ID.');
      const searchConfig = valid.language ? searchConfigFor(valid.language) : story.searchConfig;
      const [updated] = await tx
        .update(stories)
        .set({
          ...(valid.title !== undefined ? { title: valid.title } : {}),
          ...(valid.summary !== undefined ? { summary: valid.summary } : {}),
          ...(valid.language !== undefined ? { language: valid.language, searchConfig } : {}),
          ...(valid.coverageStartAt !== undefined ? { coverageStartAt: valid.coverageStartAt } : {}),
          ...(valid.coverageEndAt !== undefined ? { coverageEndAt: valid.coverageEndAt } : {}),
          ...(valid.image !== undefined ? { image: valid.image && storedImage(valid.image) } : {}),
          updatedAt: nowMs,
        })
        .where(eq(stories.id, id))
        .returning();
      // Entries are analysed in their story's language: re-index them when it changes.
      if (searchConfig !== story.searchConfig) await tx.update(entries).set({ searchConfig }).where(eq(entries.storyId, id));
      // Tickers, webhooks and every instance's response cache learn of it as of any other change to the story.
      await appendEvent(tx, { storyId: id, kind: 'story_updated', entryId: null, public: updated!.status !== 'draft', actor: access.viewer.subject });
      return updated!;
    }),
  );
}

/** Which status may follow which: a story goes live, pauses, ends, and may reopen; it never returns to draft. */
const transitions: Record<StoryStatus, StoryStatus[]> = {
  draft: ['live', 'ended'],
  live: ['paused', 'ended'],
  paused: ['live', 'ended'],
  ended: ['live'],
};

export async function setStoryStatus(access: Access, id: number, status: StoryStatus): Promise<StoryRow> {
  return withConstraintErrors(() => access.db.transaction(async (tx) => {
    const story = await lockStory(tx, id);
    if (!story) throw notFound('input.id', 'No story with that ID.');
    if (story.status === status) return story;
    if (!transitions[story.status].includes(status)) {
      throw clientError('BAD_USER_INPUT', `input.status: a ${story.status} story cannot become ${status} (allowed: ${transitions[story.status].join(', ')})`, {
        field: 'input.status',
      });
    }
    await appendEvent(tx, { storyId: id, kind: 'story_status_changed', entryId: null, public: status !== 'draft', actor: access.viewer.subject });
    const [updated] = await tx
      .update(stories)
      .set({
        status,
        ...(status === 'live' && !story.coverageStartAt ? { coverageStartAt: nowMs } : {}),
        // Coverage cannot end before it began (a start set in the future).
        ...(status === 'ended' ? { coverageEndAt: sql`greatest(${nowMs}, ${stories.coverageStartAt})` } : status === 'live' ? { coverageEndAt: null } : {}),
      })
      .where(eq(stories.id, id))
      .returning();
    return updated!;
  }));
}
