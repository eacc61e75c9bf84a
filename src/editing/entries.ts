/**
 * What editors do to entries. Each operation is one transaction that takes
 * the story's lock first (src/live/append-event.ts explains why), changes the
 * rows, and appends the events tickers must see.
 */
import { and, eq } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Access } from '../access.js';
import type { Tx } from '../db/client.js';
import { BYLINE_KINDS, type EntryRow, type StoryEventKind, type StoryRow, entries, entryPeople, entryPlaces, quotes, nowMs } from '../db/schema.js';
import { clientError, notFound } from '../errors.js';
import { appendEvent, lockStory } from '../live/append-event.js';
import { type LinkingAccess, linkEntry, linkingMatcher, prepareEntryUpdateLinks, prepareNewEntryLinks } from './auto-link.js';
import { withConstraintErrors } from './database-errors.js';
import { createOnce } from './idempotency.js';
import { mediaSchema, storedMedia } from './media-rules.js';
import { quoteSchema } from './quote-rules.js';
import { publishRevision, recordRevision } from './revisions.js';
import { idempotencyKey, optionalProse, optionalText, parseInput, prose, text } from './validation.js';

export const LIMITS = { headline: 200, body: 20_000, author: 120, correctionNote: 1_000 } as const;

/** An ended story is an archive: nothing new goes public in it until an editor sets it live again. */
function refuseIfEnded(story: StoryRow, field: string): void {
  if (story.status !== 'ended') return;
  throw clientError('BAD_USER_INPUT', `${field}: the story "${story.slug}" has ended and takes no new entries; set it LIVE again first (setStoryStatus)`, {
    field,
    story: story.slug,
    storyStatus: 'ENDED',
  });
}

/** Whether readers can see what happens to this entry of this story. */
const isPublic = (entry: Pick<EntryRow, 'status'>, story: Pick<StoryRow, 'status'>) =>
  (entry.status === 'published' || entry.status === 'retracted') && story.status !== 'draft';

/** Not public yet: a draft, or an entry held until its publication time. */
export const unpublished = (entry: Pick<EntryRow, 'status'>) => entry.status === 'draft' || entry.status === 'scheduled';

export async function appendEntryEvent(tx: Tx, access: Access, story: StoryRow, entry: EntryRow, kind: StoryEventKind) {
  await appendEvent(tx, { storyId: story.id, kind, entryId: entry.id, public: isPublic(entry, story), actor: access.viewer.subject });
}

/** Something tickers show of the entry changed (its quotes, its mentions): bump its time and tell them. */
export async function touchEntry(tx: Tx, access: Access, story: StoryRow, entryId: number): Promise<EntryRow> {
  const [touched] = await tx.update(entries).set({ updatedAt: nowMs }).where(eq(entries.id, entryId)).returning();
  await appendEntryEvent(tx, access, story, touched!, 'updated');
  return touched!;
}

/** Locks the entry's story, then the entry; NOT_FOUND when either is missing. */
export async function lockEntry(tx: Tx, entryId: number, field = 'input.id'): Promise<{ story: StoryRow; entry: EntryRow }> {
  const [located] = await tx.select({ storyId: entries.storyId }).from(entries).where(eq(entries.id, entryId));
  if (!located) throw notFound(field, 'No entry with that ID.');
  const story = await lockStory(tx, located.storyId);
  const [entry] = await tx.select().from(entries).where(eq(entries.id, entryId)).for('update');
  // A legal takedown is final: nothing may write into the tombstone again (text, links, status or flags).
  if (entry!.takenDownAt) throw clientError('BAD_USER_INPUT', `${field}: the entry was taken down and cannot change`, { field });
  return { story: story!, entry: entry! };
}

const createEntrySchema = z.object({
  headline: text(LIMITS.headline),
  body: prose(LIMITS.body),
  author: optionalText(LIMITS.author),
  bylineKind: z.enum(BYLINE_KINDS).nullish(),
  publish: z.boolean(),
  keyEvent: z.boolean(),
  peopleIds: z.array(z.number().int()).max(50, 'at most 50 people'),
  placeIds: z.array(z.number().int()).max(50, 'at most 50 places'),
  quotes: z.array(quoteSchema).max(50, 'at most 50 quotes'),
  autoLink: z.boolean().default(true),
  media: mediaSchema.optional(),
  // Checked against the clock of this instance; the scheduler publishes it once that time has come.
  publishAt: z
    .date()
    .nullish()
    .refine((d) => d == null || d.getTime() > Date.now(), 'must be in the future (leave it out to publish now)'),
  idempotencyKey,
});

export type CreateEntryInput = z.input<typeof createEntrySchema> & { storyId: number };

export async function createEntry(access: LinkingAccess, input: CreateEntryInput): Promise<EntryRow> {
  const valid = parseInput(createEntrySchema, input);
  const matcher = await linkingMatcher(access, valid.autoLink);
  // Computed before the story's lock is taken (src/editing/auto-link.ts), so other writers of the story do not wait for it.
  const links = await prepareNewEntryLinks(access.db, matcher, { storyId: input.storyId, headline: valid.headline, body: valid.body, quoteTexts: valid.quotes.map((q) => q.text) });
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const story = await lockStory(tx, input.storyId);
      if (!story) throw notFound('input.story', 'No story with that ID.');
      const request = { operation: 'createEntry', table: entries, key: valid.idempotencyKey, input: { ...valid, storyId: story.id } };
      return createOnce(tx, access, request, async () => {
        // Inside createOnce: a retry of an entry created before the story ended still gets that entry.
        refuseIfEnded(story, 'input.story');
        const [entry] = await tx
          .insert(entries)
          .values({
            storyId: story.id,
            headline: valid.headline,
            body: valid.body,
            // The byline is a person's name: the token's display name, never its subject (an id or login).
            author: valid.author ?? access.viewer.name ?? null,
            bylineKind: valid.bylineKind ?? null,
            media: storedMedia(valid.media ?? []),
            status: valid.publishAt ? 'scheduled' : valid.publish ? 'published' : 'draft',
            keyEvent: valid.keyEvent,
            publishedAt: valid.publish && !valid.publishAt ? nowMs : null,
            publishAt: valid.publishAt ?? null,
            searchConfig: story.searchConfig,
            autoLink: valid.autoLink,
          })
          .returning();
        const entryId = entry!.id;
        await recordRevision(tx, entry!, access.viewer.subject, null);
        const peopleIds = [...new Set(valid.peopleIds)];
        const placeIds = [...new Set(valid.placeIds)];
        if (peopleIds.length) await tx.insert(entryPeople).values(peopleIds.map((personId) => ({ entryId, personId })));
        if (placeIds.length) await tx.insert(entryPlaces).values(placeIds.map((placeId) => ({ entryId, placeId })));
        if (valid.quotes.length) {
          await tx.insert(quotes).values(
            valid.quotes.map((q) => ({ entryId, speakerId: q.speakerId ?? null, attribution: q.attribution ?? null, text: q.text, source: q.source ?? null, context: q.context ?? null, language: story.language })),
          );
        }
        await linkEntry(tx, matcher, story, entry!, links); // before the event: its snapshot carries the links
                // A scheduled entry is, until its time, a draft for tickers: only editors hear of it.
        await appendEntryEvent(tx, access, story, entry!, entry!.status === 'published' ? 'published' : 'drafted');
        return entry!;
      });
    }),
  );
}

const updateEntrySchema = z.object({
  headline: text(LIMITS.headline).optional(),
  body: prose(LIMITS.body).optional(),
  author: optionalText(LIMITS.author),
  correctionNote: optionalProse(LIMITS.correctionNote),
  /** Null goes back to guessing from the name. */
  bylineKind: z.enum(BYLINE_KINDS).nullish(),
  /** Replaces the entry's images; an empty list removes them. */
  media: mediaSchema.nullish(),
  expectedRevision: z.number().int().min(1).nullish(),
  autoLink: z.boolean().nullish(),
});

export type UpdateEntryInput = z.input<typeof updateEntrySchema> & { id: number };

export async function updateEntry(access: LinkingAccess, input: UpdateEntryInput): Promise<EntryRow> {
  const valid = parseInput(updateEntrySchema, input);
  const matcher = await linkingMatcher(access, valid.autoLink !== false);
  const links = await prepareEntryUpdateLinks(access.db, matcher, { entryId: input.id, headline: valid.headline, body: valid.body, autoLink: valid.autoLink });
  return access.db.transaction(async (tx) => {
    const { story, entry } = await lockEntry(tx, input.id);
    if (entry.status === 'retracted') throw clientError('BAD_USER_INPUT', 'input.id: a retracted entry cannot be edited', { field: 'input.id' });
    if (valid.expectedRevision != null && valid.expectedRevision !== entry.revision) {
      throw clientError('CONFLICT', `input.expectedRevision: the entry is at revision ${entry.revision}; someone else edited it`, { field: 'input.expectedRevision', revision: entry.revision });
    }
    const [updated] = await tx
      .update(entries)
      .set({
        ...(valid.headline !== undefined ? { headline: valid.headline } : {}),
        ...(valid.body !== undefined ? { body: valid.body } : {}),
        ...(valid.author !== undefined ? { author: valid.author } : {}),
        ...(valid.bylineKind !== undefined ? { bylineKind: valid.bylineKind } : {}),
        ...(valid.correctionNote !== undefined ? { correctionNote: valid.correctionNote } : {}),
        ...(valid.autoLink != null ? { autoLink: valid.autoLink } : {}),
        ...(valid.media != null ? { media: storedMedia(valid.media) } : {}),
        revision: entry.revision + 1,
        updatedAt: nowMs,
      })
      .where(eq(entries.id, entry.id))
      .returning();
    if (valid.headline !== undefined || valid.body !== undefined || valid.autoLink) await linkEntry(tx, matcher, story, updated!, links);
    // The note belongs to this revision; earlier revisions keep theirs.
    await recordRevision(tx, updated!, access.viewer.subject, valid.correctionNote ?? null);
    await appendEntryEvent(tx, access, story, updated!, 'updated');
    return updated!;
  });
}

/** Applies a status or flag change, then records `kind`; `check` refuses changes that make no sense. */
async function transition(
  access: Access,
  id: number,
  check: (entry: EntryRow) => string | null,
  change: (entry: EntryRow) => PgUpdateSetSource<typeof entries>,
  kind: (entry: EntryRow) => StoryEventKind | null,
  before?: (tx: Tx, story: StoryRow, entry: EntryRow) => Promise<void>,
  after?: (tx: Tx, updated: EntryRow) => Promise<void>,
): Promise<EntryRow> {
  return access.db.transaction(async (tx) => {
    const { story, entry } = await lockEntry(tx, id);
    const problem = check(entry);
    if (problem) throw clientError('BAD_USER_INPUT', `input.id: ${problem}`, { field: 'input.id' });
    const eventKind = kind(entry);
    if (!eventKind) return entry; // nothing changes
    if (before) await before(tx, story, entry);
    const [updated] = await tx.update(entries).set({ ...change(entry), updatedAt: nowMs }).where(eq(entries.id, entry.id)).returning();
    if (after) await after(tx, updated!);
    await appendEntryEvent(tx, access, story, updated!, eventKind);
    return updated!;
  });
}

/**
 * The one way an entry goes public, by an editor's publishEntry or by the
 * scheduler (src/editing/scheduled.ts): one set of rules for both. The
 * caller holds the story's lock and the entry's row (lockEntry) and has
 * checked that the entry is a draft or scheduled. A note written before
 * publication corrected nothing readers saw: it does not go public. The
 * schedule is over (publishAt is for SCHEDULED entries only); the revision
 * it is at becomes public; tickers hear PUBLISHED.
 */
export async function publishLocked(tx: Tx, access: Access, story: StoryRow, entry: EntryRow): Promise<EntryRow> {
  const [published] = await tx
    .update(entries)
    .set({ status: 'published', publishedAt: nowMs, publishAt: null, correctionNote: null, updatedAt: nowMs })
    .where(eq(entries.id, entry.id))
    .returning();
  await publishRevision(tx, published!);
  await appendEntryEvent(tx, access, story, published!, 'published');
  return published!;
}

export const publishEntry = (access: Access, id: number) =>
  access.db.transaction(async (tx) => {
    const { story, entry } = await lockEntry(tx, id);
    if (entry.status === 'retracted') throw clientError('BAD_USER_INPUT', 'input.id: a retracted entry cannot be published again', { field: 'input.id' });
    if (!unpublished(entry)) return entry; // published already: nothing changes
    refuseIfEnded(story, 'input.id');
    return publishLocked(tx, access, story, entry);
  });

/** Takes the story's pinned entry (if any) off the pin, and records it for tickers. */
export async function unpinStory(tx: Tx, access: Access, story: StoryRow): Promise<void> {
  const unpinned = await tx
    .update(entries)
    .set({ pinned: false, updatedAt: nowMs })
    .where(and(eq(entries.storyId, story.id), eq(entries.pinned, true)))
    .returning();
  for (const previous of unpinned) await appendEntryEvent(tx, access, story, previous, 'unpinned');
}

export const retractEntry = (access: Access, id: number, correctionNote: string | null | undefined) => {
  const note = parseInput(z.object({ correctionNote: optionalProse(LIMITS.correctionNote) }), { correctionNote }).correctionNote;
  return transition(
    access,
    id,
    (e) => (unpublished(e) ? 'a draft is not public: there is nothing to retract' : null),
    (e) => ({ status: 'retracted', pinned: false, revision: e.revision + 1, ...(note !== undefined ? { correctionNote: note } : {}) }),
    (e) => (e.status === 'published' ? 'retracted' : null),
    // A pinned entry comes down from the pin first, and tickers hear both, in that order.
    async (tx, story, entry) => {
      if (entry.pinned) await unpinStory(tx, access, story);
    },
    (tx, retracted) => recordRevision(tx, retracted, access.viewer.subject, note ?? null),
  );
};

export const setKeyEvent = (access: Access, id: number, keyEvent: boolean) =>
  transition(
    access,
    id,
    () => null,
    () => ({ keyEvent }),
    (e) => (e.keyEvent === keyEvent ? null : keyEvent ? 'key_event_set' : 'key_event_cleared'),
  );

export const pinEntry = (access: Access, id: number) =>
  transition(
    access,
    id,
    (e) => (e.status !== 'published' ? 'only a published entry can be pinned' : null),
    () => ({ pinned: true }),
    (e) => (e.pinned ? null : 'pinned'),
    // One pinned entry per story: the previous one comes down first, and tickers hear of it.
    (tx, story) => unpinStory(tx, access, story),
  );

export const unpinEntry = (access: Access, id: number) =>
  transition(
    access,
    id,
    () => null,
    () => ({ pinned: false }),
    (e) => (e.pinned ? 'unpinned' : null),
  );
