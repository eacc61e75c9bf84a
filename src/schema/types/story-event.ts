/**
 * Subscriptions for live tickers: the story's event stream, resumable with a
 * cursor, and the simpler stream of newly published entries.
 */
import { type DocumentNode, type GraphQLResolveInfo, Kind } from 'graphql';
import { estimateListItems } from '../../plugins/cost.js';
import { limited } from '../../plugins/rate-limits.js';
import { LIVE_OUTAGE_WAIT_MS, retryWhileUnavailable } from '../../db/outage.js';
import { STORY_EVENT_KINDS, type StoryRow } from '../../db/schema.js';
import { CLOSE_CODES, badUserInput, clientError, notFound } from '../../errors.js';
import { type LiveIterator, type LiveSink, SlowConsumerError } from '../../live/bus.js';
import { decodeEventCursor, encodeEventCursor } from '../../live/event-cursor.js';
import { type LiveEvent, seqOfPublicEvent } from '../../live/load-events.js';
import type { Context } from '../../context.js';
import { canSeeUnpublished } from '../../viewer.js';
import { builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { EntryRef } from './entry.js';
import { StoryRef } from './story.js';
import { placeIdsInside } from '../../loaders/places.js';
import { storiesByIds } from '../../loaders/stories.js';

const kindDescriptions: Record<(typeof STORY_EVENT_KINDS)[number], string> = {
  drafted: 'A draft was written (editors only).',
  published: 'An entry went public: add it to the top.',
  updated: 'An entry changed (text, quotes or mentions): replace it in place.',
  retracted: 'An entry was withdrawn: show it as withdrawn; its body is gone.',
  pinned: 'An entry was pinned on top of the story.',
  unpinned: 'An entry was taken down from the top.',
  key_event_set: 'An entry was marked as a key event.',
  key_event_cleared: 'An entry is no longer a key event.',
  story_status_changed: 'The story went live, paused or ended: read `story.status`.',
  story_updated: 'The story\'s title, summary, language or coverage times changed: read them from `story`.',
  taken_down: 'An entry was taken down for legal reasons: drop its text everywhere; a tombstone with the reason stays.',
  verification_changed: 'An entry\'s verification or sources changed (confirmed, disputed…): update its badge.',
};

export const StoryEventKindEnum = builder.enumType('StoryEventKind', {
  description: 'What happened.',
  values: Object.fromEntries(STORY_EVENT_KINDS.map((kind) => [kind.toUpperCase(), { value: kind, description: kindDescriptions[kind] }])) as {
    [K in (typeof STORY_EVENT_KINDS)[number] as Uppercase<K>]: { value: K; description: string };
  },
});

export const StoryEventRef = builder.objectRef<LiveEvent>('StoryEvent').implement({
  description: 'Something that happened to a story, in the order it was committed.',
  fields: (t) => ({
    cursor: t.string({
      description: 'Position in the story\'s event log; subscribe again with `after: cursor` to resume exactly after this event.',
      resolve: (e, _args, ctx) => (canSeeUnpublished(ctx.viewer) ? encodeEventCursor(e.row.storyId, e.row.seq) : encodeEventCursor(e.row.storyId, e.row.publicSeq, true)),
    }),
    sequence: t.int({
      description: 'The event\'s number in its story: 1, 2, 3… in commit order. Readers count the events they can see (no gap where a draft was saved); editors count every event.',
      resolve: (e, _args, ctx) => (canSeeUnpublished(ctx.viewer) ? e.row.seq : e.row.publicSeq),
    }),
    kind: t.field({ type: StoryEventKindEnum, description: 'What happened.', resolve: (e) => e.row.kind }),
    occurredAt: t.field({ type: 'DateTime', description: 'When it was committed.', resolve: (e) => e.row.occurredAt }),
    entry: t.field({
      type: EntryRef,
      nullable: true,
      description: 'The entry it concerns as this event left it, the same in a replay as it was live — except that an entry retracted since shows as a tombstone; null for story-level events.',
      resolve: (e) => e.entry,
    }),
    story: t.field({ type: StoryRef, description: 'The story.', resolve: (e, _args, ctx) => StoryRef.getDataloader(ctx).load(e.row.storyId) }),
  }),
});

const StoryEventFilter = builder.inputType('StoryEventFilter', {
  description: 'Narrows a story\'s event stream.',
  fields: (t) => ({
    keyEventsOnly: t.boolean({ description: 'Only events about key events (and the marks being set or cleared), plus story status changes.' }),
    mentioning: t.id({ description: 'Only events about entries that mention this Person or Place, plus story status changes.' }),
  }),
});

/** Resolves the story argument to a story the viewer may follow. */
async function followedStory(ctx: Context, story: string | number) {
  const { id } = parseNodeId(String(story), 'story', ['Story']);
  // A missing or invisible story loads as null; a database error stays an error (503), not a NOT_FOUND.
  // A ticker opened during a restart waits for the database (its client would not retry an error by itself).
  // Not through the context's loader: a subscription's context lives as long as its reader (hours), and a loader
  // keeps its last batch, and with it the row, its dates and texts, per reader. Nothing after the set-up reads the
  // story through this context (events run with a context of their own).
  const [row] = await retryWhileUnavailable(() => storiesByIds(ctx, [id]), { waitMs: LIVE_OUTAGE_WAIT_MS });
  if (!row) throw notFound('story', 'No story with that ID.');
  return row;
}

const expiredError = () => clientError('UNAUTHENTICATED', 'Your token has expired: subscribe again with a fresh one.');

/**
 * The story's events for this subscriber that pass `keep`. A subscriber
 * that falls too far behind is cut off (WebSocket close 4008) and resumes
 * from its cursor. Not an async generator, so that a departing subscriber
 * leaves the bus at once (see LiveBus.subscribe). A class, as the bus's
 * stream is: a reader holds one for hours, its methods live once.
 */
class FollowedStory implements LiveIterator, LiveSink {
  private readonly source: LiveIterator;
  /** Once pushed to: where the events that pass go. */
  private sink: LiveSink | null = null;

  constructor(
    private readonly ctx: Context,
    private readonly storyId: number,
    afterSeq: number | null,
    private readonly keep: (event: LiveEvent) => boolean,
  ) {
    this.source = ctx.live.subscribe(storyId, afterSeq, { onOverflow: () => this.overflowed() });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private overflowed() {
    this.ctx.log.warn({ storyId: this.storyId }, 'cut off a slow subscriber');
    this.ctx.connection?.close(CLOSE_CODES.slowConsumer, 'Slow consumer: resume from your last cursor');
  }

  private expired() {
    const { expiresAt } = this.ctx.viewer;
    return expiresAt !== undefined && Date.now() / 1000 >= expiresAt;
  }

  begin(): Promise<void> {
    return this.source.begin();
  }

  /** Pushed once caught up: the same filter and token check, called by the bus for each event (this is the bus's sink). */
  live(sink: LiveSink): boolean {
    this.sink = sink;
    if (this.source.live(this)) return true;
    this.sink = null;
    return false;
  }

  event(event: LiveEvent): void {
    const sink = this.sink!;
    if (this.expired()) {
      event.delivery?.done(false);
      void this.source.return!();
      sink.end(expiredError());
    } else if (this.keep(event)) sink.event(event);
    else event.delivery?.done(true);
  }

  end(error?: unknown): void {
    this.sink!.end(error);
  }

  get idle(): boolean {
    return this.sink!.idle;
  }

  async next(): Promise<IteratorResult<LiveEvent>> {
    try {
      for (;;) {
        const result = await this.source.next();
        // Over SSE nothing else watches the token (a WebSocket is closed with 4403 when it runs out).
        if (this.expired()) {
          await this.source.return!();
          throw expiredError();
        }
        if (result.done || this.keep(result.value)) return result;
      }
    } catch (error) {
      if (error instanceof SlowConsumerError) throw clientError('SLOW_CONSUMER', error.message);
      throw error;
    }
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    return this.source.return!();
  }
}

/**
 * The position in the story's whole log (editors' numbering) after which to
 * resume. A reader's cursor counts public events: it resumes after the
 * public event of that number, which for an editor includes the drafts
 * saved since it, and for a reader exactly the public events after it.
 */
async function afterSeq(ctx: Context, story: Pick<StoryRow, 'id' | 'lastEventSeq' | 'lastPublicSeq'>, after: string | null | undefined): Promise<number | null> {
  if (after == null) return null;
  const cursor = decodeEventCursor(after);
  if (!cursor || cursor.storyId !== story.id) throw badUserInput('after', 'is not an event cursor of this story');
  // A cursor from the future would silently swallow every event up to it.
  if (cursor.seq > (cursor.public ? story.lastPublicSeq : story.lastEventSeq)) throw badUserInput('after', 'is beyond the story\'s latest event');
  if (!cursor.public || cursor.seq === 0) return cursor.seq;
  const seq = await seqOfPublicEvent(ctx.db, story.id, cursor.seq);
  if (seq === null) throw badUserInput('after', 'is not an event cursor of this story');
  return seq;
}

/**
 * A replay loads and runs the selection for every event since the cursor,
 * work that live events share between subscribers and replays do not: it
 * is charged to the caller's replay budget (REPLAY_COST_PER_MINUTE), each
 * event weighted by 1 + the list items the selection asks for (as the cost
 * limit counts them), so that one socket cannot replay a long story fifty
 * times over. A reader resuming after a short drop replays a few events.
 */
function chargeReplay(ctx: Context, info: GraphQLResolveInfo, events: number) {
  if (events <= 0) return;
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [info.operation, ...Object.values(info.fragments)] };
  const perEvent = 1 + estimateListItems(info.schema, document, info.operation, info.variableValues).items;
  const wait = ctx.chargeReplay(events * perEvent);
  if (wait > 0) throw limited('replays (storyEvents after a cursor)', wait);
}

/** Which events a storyEvents subscriber receives: its role's (drafts for editors), narrowed by its filter. */
async function storyEventsFilter(ctx: Context, filter: { keyEventsOnly?: boolean | null; mentioning?: string | number | null } | null | undefined): Promise<(event: LiveEvent) => boolean> {
  const drafts = canSeeUnpublished(ctx.viewer);
  const mentioning = filter?.mentioning == null ? null : parseNodeId(String(filter.mentioning), 'filter.mentioning', ['Person', 'Place'] as const);
  const keyEventsOnly = filter?.keyEventsOnly ?? false;
  if (!mentioning) return unmentionedFilters[Number(drafts) * 2 + Number(keyEventsOnly)]!;
  // Following a place follows the places inside it too (as of subscribing).
  const places = mentioning.typename === 'Place' ? await placeIdsInside(ctx, mentioning.id) : null;
  const mentioned = (event: LiveEvent) => (places ? [...event.mentions.Place].some((id) => places.has(id)) : event.mentions[mentioning.typename].has(mentioning.id));
  return eventFilter(drafts, keyEventsOnly, mentioned);
}

function eventFilter(drafts: boolean, keyEventsOnly: boolean, mentioned: ((event: LiveEvent) => boolean) | null): (event: LiveEvent) => boolean {
  return (event) => {
    if (!event.row.public && !drafts) return false;
    if (event.row.entryId === null) return true; // about the story itself (status, title…): every follower needs it
    if (keyEventsOnly && !(event.entry?.keyEvent || event.row.kind === 'key_event_cleared')) return false;
    // A retraction still reaches those who follow its former mentions: they have the entry to take down.
    if (mentioned && !mentioned(event)) return false;
    return true;
  };
}

/** The filters without `mentioning`, shared by every subscriber (thousands hold one for hours): by drafts × keyEventsOnly. */
const unmentionedFilters = [eventFilter(false, false, null), eventFilter(false, true, null), eventFilter(true, false, null), eventFilter(true, true, null)];

const entryPublishedFilter = (event: LiveEvent) => event.row.kind === 'published' && event.row.public && event.entry !== null;

/** The fields a GRIP proxy may hold readers of (src/transport/grip.ts): public, resumable from a reader's cursor. */
export const HELD_FIELDS = ['storyEvents', 'entryPublished'] as const;

/**
 * What a held stream of `field` with these arguments follows: the story (as
 * the viewer may see it), which of its events the subscriber receives, and
 * where in the story's log (editors' numbering) a reader's cursor resumes.
 * The same rules as the subscriptions above (src/transport/grip.ts and its
 * publisher use it, so that a held reader receives what a direct one does).
 */
export async function heldStream(ctx: Context, field: (typeof HELD_FIELDS)[number], args: { story: string | number; filter?: { keyEventsOnly?: boolean | null; mentioning?: string | number | null } | null }) {
  const story = await followedStory(ctx, args.story);
  const keep = field === 'storyEvents' ? await storyEventsFilter(ctx, args.filter) : entryPublishedFilter;
  return { story, keep, resumeAfter: (cursor: string | null | undefined) => afterSeq(ctx, story, cursor) };
}

builder.subscriptionType({ description: 'Live updates over WebSocket (graphql-ws at /graphql) or Server-Sent Events.' });

builder.subscriptionFields((t) => ({
  storyEvents: t.field({
    type: StoryEventRef,
    description:
      'Every change to a story\'s entries, in commit order, the moment it is committed. With `after`, first replays what came after that cursor, then continues live: no gap, no duplicate, across reconnects and restarts. Readers receive public events; editors also drafts.',
    args: {
      story: t.arg.id({ required: true, description: 'The story to follow.' }),
      after: t.arg.string({ description: 'Cursor of the last event you received: resume right after it.' }),
      filter: t.arg({ type: StoryEventFilter, description: 'Only some events.' }),
    },
    subscribe: async (_root, args, ctx, info) => {
      const story = await followedStory(ctx, args.story);
      const from = await afterSeq(ctx, story, args.after);
      if (from !== null) chargeReplay(ctx, info, story.lastEventSeq - from);
      return new FollowedStory(ctx, story.id, from, await storyEventsFilter(ctx, args.filter));
    },
    resolve: (event) => event,
  }),
  entryPublished: t.field({
    type: EntryRef,
    description: 'Each entry of a story as it is published: the simple form for tickers that only add new entries.',
    args: { story: t.arg.id({ required: true, description: 'The story to follow.' }) },
    subscribe: async (_root, args, ctx) => {
      const story = await followedStory(ctx, args.story);
      return new FollowedStory(ctx, story.id, null, entryPublishedFilter);
    },
    resolve: (event) => event.entry!,
  }),
}));
