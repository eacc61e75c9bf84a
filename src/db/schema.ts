/**
 * The database tables. Every rule the API relies on (foreign keys, unique
 * slugs, value checks) lives here so that the database enforces it for every
 * writer, and every access path the API uses has an index named after it.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** Millisecond precision so that timestamps survive a round trip through JS Dates (and cursors). */
const timestamptz = (name?: string) =>
  name ? timestamp(name, { withTimezone: true, precision: 3, mode: 'date' }) : timestamp({ withTimezone: true, precision: 3, mode: 'date' });
/** The transaction's time at the precision every timestamp column keeps. */
export const nowMs = sql`date_trunc('milliseconds', now())`;

const regconfig = customType<{ data: string }>({ dataType: () => 'regconfig' });
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const SLUG = `'^[a-z0-9]+(-[a-z0-9]+)*$'`;
const nonEmpty = (column: string) => sql.raw(`length(btrim(${column})) > 0`);

export const STORY_STATUSES = ['draft', 'live', 'paused', 'ended'] as const;
export type StoryStatus = (typeof STORY_STATUSES)[number];
export const ENTRY_STATUSES = ['draft', 'scheduled', 'published', 'retracted'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];
export const VERIFICATIONS = ['unverified', 'confirmed', 'disputed'] as const;
export type Verification = (typeof VERIFICATIONS)[number];
/** Where an entry's information came from: "Tass citing the Defence Ministry" is outlet Tass, via the Defence Ministry. */
export interface EntrySource {
  outlet: string;
  url: string | null;
  via: string | null;
}
export const PLACE_KINDS = ['country', 'region', 'city', 'village', 'site'] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];
export const STORY_EVENT_KINDS = [
  'drafted',
  'published',
  'updated',
  'retracted',
  'pinned',
  'unpinned',
  'key_event_set',
  'key_event_cleared',
  'story_status_changed',
  'story_updated',
  'verification_changed',
  'taken_down',
] as const;
export type StoryEventKind = (typeof STORY_EVENT_KINDS)[number];
/** A quote found by linking is a suggestion until an editor confirms (or rejects) it; readers see confirmed ones only. */
export const QUOTE_STATUSES = ['confirmed', 'suggested', 'rejected'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];
/** Why a webhook attempt failed (`webhook_deliveries.last_error`): categories, never a system's message. */
export const WEBHOOK_ERROR_KINDS = ['refused', 'timeout', 'tls', 'dns', 'blocked', 'network', 'http_status', 'slow'] as const;
export type WebhookErrorKind = (typeof WEBHOOK_ERROR_KINDS)[number];
/** What a byline names: a person, or a desk / newsroom / agency (schema.org Person or Organization). */
export const BYLINE_KINDS = ['person', 'organization'] as const;
export type BylineKind = (typeof BYLINE_KINDS)[number];
export const MENTION_KINDS = ['person', 'place'] as const;
export type MentionKindName = (typeof MENTION_KINDS)[number];

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const stories = pgTable(
  'stories',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    slug: text().notNull(),
    title: text().notNull(),
    summary: text(),
    /** BCP 47 tag; picks the full-text search configuration of its entries. */
    language: text().notNull(),
    /** Full-text configuration for `language` (src/db/search-config.ts); entries copy it. */
    searchConfig: regconfig().notNull().default(sql`'simple'::regconfig`),
    status: text().$type<StoryStatus>().notNull().default('draft'),
    coverageStartAt: timestamptz(),
    coverageEndAt: timestamptz(),
    /** The lead image editors choose (validated like an entry's images, src/editing/media-rules.ts); null: none. */
    image: jsonb().$type<EntryMedia>(),
    /** Sequence of the story's last event; bumped under the story's row lock (see src/live/append-event.ts). */
    lastEventSeq: bigint({ mode: 'number' }).notNull().default(0),
    /** How many of its events are public: readers' sequence and cursors count these only (src/live/append-event.ts). */
    lastPublicSeq: bigint({ mode: 'number' }).notNull().default(0),
    createdAt: timestamptz().notNull().default(nowMs),
    updatedAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [
    uniqueIndex('stories_slug_key').on(t.slug),
    index('stories_updated_idx').on(t.updatedAt.desc(), t.id.desc()),
    index('stories_status_updated_idx').on(t.status, t.updatedAt.desc(), t.id.desc()),
    check('stories_slug_check', sql.raw(`slug ~ ${SLUG} and length(slug) <= 120`)),
    check('stories_title_check', nonEmpty('title')),
    check('stories_language_check', sql.raw(`language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'`)),
    check('stories_status_check', inList('status', STORY_STATUSES)),
    check('stories_coverage_check', sql`coverage_end_at is null or coverage_start_at is null or coverage_end_at >= coverage_start_at`),
    check('stories_image_check', sql`image is null or jsonb_typeof(image) = 'object'`),
  ],
);

/** An image shown with an entry (entries.media); src/editing/media-rules.ts says what is accepted. */
export interface EntryMedia {
  /** An absolute https:// URL. */
  url: string;
  /** Text alternative for readers who cannot see the image. */
  alt: string;
  caption: string | null;
  /** Who took it or owns it, e.g. "Reuters/Jane Doe". */
  credit: string | null;
  width: number | null;
  height: number | null;
}

export const entries = pgTable(
  'entries',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    storyId: integer()
      .notNull()
      .references(() => stories.id),
    headline: text().notNull(),
    body: text().notNull(),
    status: text().$type<EntryStatus>().notNull().default('draft'),
    keyEvent: boolean().notNull().default(false),
    pinned: boolean().notNull().default(false),
    author: text(),
    /** Whether the byline names a person or a desk (an organisation); null: not said, guessed from the name (src/formats/byline.ts). */
    bylineKind: text().$type<BylineKind>(),
    revision: integer().notNull().default(1),
    correctionNote: text(),
    /** Whether writing the entry links the people, places and quotes its text names (src/editing/auto-link.ts). */
    autoLink: boolean().notNull().default(true),
    /** Images with caption and credit, in the order they are shown. */
    media: jsonb().$type<EntryMedia[]>().notNull().default([]),
    /** How far the newsroom vouches for it (src/editing/verification.ts). */
    verification: text().$type<Verification>().notNull().default('unverified'),
    /** The outlets it relies on, in the order the newsroom gives them. */
    sources: jsonb().$type<EntrySource[]>().notNull().default(sql`'[]'::jsonb`),
    publishedAt: timestamptz(),
    /** Set by a legal takedown (src/editing/takedown.ts): the text is erased, this and the reason stay. */
    takenDownAt: timestamptz(),
    takedownReason: text(),
    /** When a scheduled (embargoed) entry goes public (src/editing/scheduled.ts). */
    publishAt: timestamptz(),
    createdAt: timestamptz().notNull().default(nowMs),
    updatedAt: timestamptz().notNull().default(nowMs),
    /** Position in the story: when it went public, or when it was drafted. */
    sortAt: timestamptz()
      .notNull()
      .generatedAlwaysAs(sql`coalesce(published_at, created_at)`),
    /** Copied from the story's language when the entry is written. */
    searchConfig: regconfig().notNull().default(sql`'simple'::regconfig`),
    searchVector: tsvector()
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector(search_config, headline), 'A') || setweight(to_tsvector(search_config, body), 'B')`,
      ),
  },
  (t) => [
    index('entries_story_sort_idx').on(t.storyId, t.sortAt.desc(), t.id.desc()),
    index('entries_story_key_event_sort_idx').on(t.storyId, t.sortAt.desc(), t.id.desc()).where(sql`key_event`),
    uniqueIndex('entries_one_pinned_per_story_key').on(t.storyId).where(sql`pinned`),
    index('entries_search_idx').using('gin', t.searchVector),
    check('entries_headline_check', nonEmpty('headline')),
    check('entries_body_check', nonEmpty('body')),
    check('entries_status_check', inList('status', ENTRY_STATUSES)),
    check('entries_revision_check', sql`revision >= 1`),
    check('entries_published_at_check', sql`status in ('draft', 'scheduled') or published_at is not null`),
    // A published entry taken down stays a public tombstone; one readers never saw stays a draft they never see.
    check('entries_takedown_check', sql`taken_down_at is null or (status in ('retracted', 'draft') and takedown_reason is not null)`),
    check('entries_scheduled_check', sql`status <> 'scheduled' or publish_at is not null`),
    index('entries_scheduled_due_idx').on(t.publishAt).where(sql`status = 'scheduled'`),
    check('entries_pinned_public_check', sql`not pinned or status = 'published'`),
    check('entries_byline_kind_check', sql`byline_kind is null or byline_kind in ('person', 'organization')`),
    check('entries_media_check', sql`jsonb_typeof(media) = 'array' and jsonb_array_length(media) <= 10`),
    check('entries_verification_check', inList('verification', VERIFICATIONS)),
    check('entries_sources_check', sql`jsonb_typeof(sources) = 'array'`),
  ],
);

export const people = pgTable(
  'people',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    slug: text().notNull(),
    name: text().notNull(),
    aliases: text().array().notNull().default(sql`'{}'::text[]`),
    /** Role as the newsroom writes it, e.g. "portavoce del Cremlino". */
    description: text(),
    wikidataId: text(),
    createdAt: timestamptz().notNull().default(nowMs),
    updatedAt: timestamptz().notNull().default(nowMs),
    /** Name and aliases folded (lower case, no accents) for `people(search:)`; diretta_fold_names is in drizzle/0004. */
    searchNames: text()
      .notNull()
      .generatedAlwaysAs(sql`diretta_fold_names(name, aliases)`),
  },
  (t) => [
    uniqueIndex('people_slug_key').on(t.slug),
    uniqueIndex('people_wikidata_id_key').on(t.wikidataId),
    index('people_name_idx').on(sql`lower(${t.name}) collate "C"`, t.id),
    check('people_slug_check', sql.raw(`slug ~ ${SLUG} and length(slug) <= 120`)),
    check('people_name_check', nonEmpty('name')),
    check('people_wikidata_id_check', sql`wikidata_id ~ '^Q[1-9][0-9]*$'`),
  ],
);

export const places = pgTable(
  'places',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    slug: text().notNull(),
    name: text().notNull(),
    aliases: text().array().notNull().default(sql`'{}'::text[]`),
    kind: text().$type<PlaceKind>().notNull(),
    /** ISO 3166-1 alpha-2. */
    countryCode: text(),
    latitude: doublePrecision(),
    longitude: doublePrecision(),
    parentId: integer().references((): AnyPgColumn => places.id),
    geonamesId: integer(),
    wikidataId: text(),
    createdAt: timestamptz().notNull().default(nowMs),
    updatedAt: timestamptz().notNull().default(nowMs),
    /** Name and aliases folded (lower case, no accents) for `places(search:)`; diretta_fold_names is in drizzle/0004. */
    searchNames: text()
      .notNull()
      .generatedAlwaysAs(sql`diretta_fold_names(name, aliases)`),
  },
  (t) => [
    uniqueIndex('places_slug_key').on(t.slug),
    uniqueIndex('places_geonames_id_key').on(t.geonamesId),
    uniqueIndex('places_wikidata_id_key').on(t.wikidataId),
    index('places_parent_idx').on(t.parentId, t.id),
    index('places_name_idx').on(sql`lower(${t.name}) collate "C"`, t.id),
    check('places_slug_check', sql.raw(`slug ~ ${SLUG} and length(slug) <= 120`)),
    check('places_name_check', nonEmpty('name')),
    check('places_kind_check', inList('kind', PLACE_KINDS)),
    check('places_country_code_check', sql`country_code ~ '^[A-Z]{2}$'`),
    check('places_latitude_check', sql`latitude between -90 and 90`),
    check('places_longitude_check', sql`longitude between -180 and 180`),
    check('places_coordinates_check', sql`(latitude is null) = (longitude is null)`),
    check('places_parent_check', sql`parent_id <> id`),
    check('places_wikidata_id_check', sql`wikidata_id ~ '^Q[1-9][0-9]*$'`),
    check('places_geonames_id_check', sql`geonames_id > 0`),
  ],
);

export const quotes = pgTable(
  'quotes',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    entryId: integer()
      .notNull()
      .references(() => entries.id),
    /** Null when an institution or outlet said it; then `attribution` names it. */
    speakerId: integer().references(() => people.id),
    attribution: text(),
    text: text().notNull(),
    language: text().notNull(),
    /** The outlet or channel it came through (Izvestia, Tass, Telegram, ...). */
    source: text(),
    context: text(),
    /** Quotes an editor writes are confirmed; those linking finds are suggested until an editor decides. */
    status: text().$type<QuoteStatus>().notNull().default('confirmed'),
    createdAt: timestamptz().notNull().default(nowMs),
    updatedAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [
    index('quotes_speaker_created_idx').on(t.speakerId, t.createdAt.desc(), t.id),
    index('quotes_entry_idx').on(t.entryId, t.id),
    check('quotes_text_check', nonEmpty('text')),
    check('quotes_speaker_check', sql`speaker_id is not null or length(btrim(attribution)) > 0`),
    check('quotes_status_check', inList('status', QUOTE_STATUSES)),
    check('quotes_language_check', sql.raw(`language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'`)),
  ],
);

export const entryPeople = pgTable(
  'entry_people',
  {
    entryId: integer()
      .notNull()
      .references(() => entries.id),
    personId: integer()
      .notNull()
      .references(() => people.id),
    /** Added by linking, not by an editor: linking may take it away again when the text stops naming them. */
    automatic: boolean().notNull().default(false),
    createdAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.personId] }), index('entry_people_person_idx').on(t.personId, t.entryId)],
);

export const entryPlaces = pgTable(
  'entry_places',
  {
    entryId: integer()
      .notNull()
      .references(() => entries.id),
    placeId: integer()
      .notNull()
      .references(() => places.id),
    /** Added by linking, not by an editor: linking may take it away again when the text stops naming them. */
    automatic: boolean().notNull().default(false),
    createdAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.placeId] }), index('entry_places_place_idx').on(t.placeId, t.entryId)],
);

/**
 * People and places an editor took off an entry (`unlinkMention`): linking
 * never adds them to that entry again, whatever its text says.
 */
export const mentionRejections = pgTable(
  'mention_rejections',
  {
    entryId: integer()
      .notNull()
      .references(() => entries.id),
    kind: text().$type<MentionKindName>().notNull(),
    targetId: integer().notNull(),
    createdAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.kind, t.targetId] }), check('mention_rejections_kind_check', inList('kind', MENTION_KINDS))],
);

/**
 * Where a person or place merged into another went (src/editing/catalog-merge.ts):
 * the loser's global id and slug keep resolving, to the winner. A chain of
 * merges is kept one hop long (merging B into C repoints A → B to A → C), so
 * a look-up is one statement; it runs only when the id or slug is not a row.
 */
export const catalogRedirects = pgTable(
  'catalog_redirects',
  {
    kind: text().$type<MentionKindName>().notNull(),
    /** The loser's id (people and places number apart, hence the kind). */
    fromId: integer().notNull(),
    /** The loser's slug; a person or place created later with it wins over the redirect. */
    fromSlug: text().notNull(),
    /** The winner, or the winner's own winner after later merges. */
    toId: integer().notNull(),
    /** The token subject of the admin who merged. */
    mergedBy: text(),
    mergedAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.fromId] }),
    index('catalog_redirects_slug_idx').on(t.kind, t.fromSlug, t.mergedAt.desc()),
    index('catalog_redirects_to_idx').on(t.kind, t.toId),
    check('catalog_redirects_kind_check', inList('kind', MENTION_KINDS)),
  ],
);

/**
 * Every revision of an entry as it was written: the public history readers
 * see (`Entry.revisions`). Revision 1 is the entry as created; every edit
 * (and the retraction) adds the next one, with its own correction note, so
 * a later note never overwrites an earlier one (src/editing/revisions.ts).
 */
export const entryRevisions = pgTable(
  'entry_revisions',
  {
    /** The revision's own key: its global ID (`EntryRevision:<id>`), which node() resolves. */
    id: integer().notNull().generatedAlwaysAsIdentity(),
    entryId: integer()
      .notNull()
      .references(() => entries.id),
    revision: integer().notNull(),
    headline: text().notNull(),
    body: text().notNull(),
    /** The byline as it stood at this revision: the name readers see for it. */
    author: text(),
    correctionNote: text(),
    /** The token subject of whoever wrote the revision; shown to editors only. */
    editor: text(),
    /** Written while the entry was public (or made public by publishing the draft it was). */
    public: boolean().notNull().default(false),
    createdAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.revision] }), uniqueIndex('entry_revisions_id_key').on(t.id), check('entry_revisions_revision_check', sql`revision >= 1`)],
);

/**
 * The ordered log of what happened to a story. `seq` increases in commit
 * order per story because writers take the story's row lock before they
 * append (src/live/append-event.ts).
 */
/** What story_events.snapshot holds: the entry's columns as PostgreSQL's to_jsonb writes them (snake_case, ISO times). */
export interface EventSnapshot {
  entry: Record<string, unknown>;
  people: number[];
  places: number[];
}

export const storyEvents = pgTable(
  'story_events',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    storyId: integer()
      .notNull()
      .references(() => stories.id),
    seq: bigint({ mode: 'number' }).notNull(),
    kind: text().$type<StoryEventKind>().notNull(),
    entryId: integer().references(() => entries.id),
    /** False while the entry is a draft: only editors receive the event. */
    public: boolean().notNull(),
    /**
     * The story's public events up to this one: a public event's number for
     * readers (1, 2, 3… with no gap where drafts were saved); on an event
     * readers do not see, the number of the public event before it.
     */
    publicSeq: bigint({ mode: 'number' }).notNull().default(0),
    actor: text(),
    occurredAt: timestamptz().notNull().default(nowMs),
    /**
     * The entry as this event left it, and the people and places it then
     * mentioned (src/live/append-event.ts): replays show, and filter on, what
     * the live stream showed, not the entry as it is now. Null for story-level
     * events, and for events written before snapshots existed.
     */
    snapshot: jsonb().$type<EventSnapshot>(),
  },
  (t) => [
    uniqueIndex('story_events_story_seq_key').on(t.storyId, t.seq),
    index('story_events_story_public_seq_idx').on(t.storyId, t.publicSeq),
    index('story_events_entry_idx').on(t.entryId),
    check('story_events_kind_check', inList('kind', STORY_EVENT_KINDS)),
    check('story_events_seq_check', sql`seq >= 1`),
  ],
);

/**
 * Create mutations take an idempotency key: a retried request finds its key
 * here and returns what the first one created instead of creating it again.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The mutation and the caller, e.g. `createEntry:alice`. */
    scope: text().notNull(),
    key: text().notNull(),
    /** Hash of the request, to refuse a key reused for a different request. */
    requestHash: text().notNull(),
    resultId: integer(),
    createdAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), check('idempotency_keys_key_check', sql`length(key) between 1 and 200`)],
);

// --- Webhooks (src/webhooks/) -------------------------------------------------

/**
 * An admin's subscription: every public event of one story (or of all
 * stories, `story_id` null) whose kind is in `event_kinds` is POSTed to `url`,
 * signed with `secret`. `failures` counts failed attempts since the last
 * success; at the configured threshold the subscription is `paused`.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    url: text().notNull(),
    storyId: integer().references(() => stories.id),
    eventKinds: text().array().$type<StoryEventKind[]>().notNull(),
    description: text(),
    /** HMAC-SHA256 key (src/webhooks/signature.ts); shown to the admin once, at creation or rotation. */
    secret: text().notNull(),
    /** The secret before the last rotation: deliveries are signed with it too until `previous_secret_expires_at`. */
    previousSecret: text(),
    previousSecretExpiresAt: timestamptz(),
    paused: boolean().notNull().default(false),
    /** Failed (or too slow) attempts in a row. */
    failures: integer().notNull().default(0),
    /** After an answer too slow to count as a success, nothing more is sent to it before this. */
    backoffUntil: timestamptz(),
    createdBy: text(),
    createdAt: timestamptz().notNull().default(nowMs),
    updatedAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [
    index('webhooks_story_idx').on(t.storyId),
    check('webhooks_url_check', sql`url ~ '^https?://' and length(url) <= 2000`),
    check('webhooks_event_kinds_check', sql`cardinality(event_kinds) > 0`),
    check('webhooks_failures_check', sql`failures >= 0`),
    check('webhooks_previous_secret_check', sql`(previous_secret is null) = (previous_secret_expires_at is null)`),
  ],
);

/**
 * The outbox: one row per (webhook, event), inserted by a trigger on
 * story_events in the transaction that writes the event (migration
 * `webhook_outbox_trigger`). A deliverer claims the oldest undelivered row of
 * each webhook under a lease (`lease_owner`, `lease_until`), so that one
 * instance delivers it and the next waits its turn.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** What receivers deduplicate on: the same across retries of one delivery. */
    deliveryId: uuid().notNull().defaultRandom(),
    webhookId: integer()
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: bigint({ mode: 'number' })
      .notNull()
      .references(() => storyEvents.id),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamptz().notNull().default(nowMs),
    leaseOwner: text(),
    leaseUntil: timestamptz(),
    lastAttemptAt: timestamptz(),
    /** HTTP status of the last attempt; null when it got no answer. */
    lastStatus: integer(),
    /**
     * Why the last attempt failed, as a category (src/webhooks/deliverer.ts),
     * never the system's message (which names addresses and ports); `slow`
     * for an acknowledgement that counted as a failure.
     */
    lastError: text().$type<WebhookErrorKind>(),
    deliveredAt: timestamptz(),
    createdAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_delivery_id_key').on(t.deliveryId),
    uniqueIndex('webhook_deliveries_webhook_event_key').on(t.webhookId, t.eventId),
    index('webhook_deliveries_pending_idx').on(t.webhookId, t.id).where(sql`delivered_at is null`),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id.desc()),
    check('webhook_deliveries_last_error_check', inList('last_error', WEBHOOK_ERROR_KINDS)),
  ],
);

// --- Edge purges (src/edge/) ---------------------------------------------------

/**
 * The purge outbox: the surrogate keys a change touched, to be purged from
 * the shared caches in front of the API (Varnish, a CDN). Triggers write it
 * in the transaction of the change (migration `edge_purge_triggers`): one
 * row per public story event (or story-level event), and one per statement
 * that changes people or places. A drainer (src/edge/drainer.ts) sends the
 * rows in id order under the single lease of `edge_purge_state`, several
 * at a time, and marks them delivered.
 */
export const edgePurges = pgTable(
  'edge_purges',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The story event that caused it; null for a catalog change. */
    eventId: bigint({ mode: 'number' }),
    /** Surrogate keys, as the answers name them (src/edge/keys.ts). */
    keys: text().array().notNull(),
    /** A hard purge (takedown, retraction): the answers go at once, no stale copy may be served. */
    hard: boolean().notNull().default(false),
    createdAt: timestamptz().notNull().default(nowMs),
    deliveredAt: timestamptz(),
  },
  (t) => [index('edge_purges_pending_idx').on(t.id).where(sql`delivered_at is null`), index('edge_purges_delivered_idx').on(t.deliveredAt)],
);

/**
 * One row (id 1): who drains the purge outbox now (a lease, so that one
 * instance at a time sends purges, in order), and the backoff after failures.
 */
export const edgePurgeState = pgTable(
  'edge_purge_state',
  {
    id: integer().primaryKey().default(1),
    leaseOwner: text(),
    leaseUntil: timestamptz(),
    /** Failed rounds in a row (0 after a success): the next waits longer each time. */
    failures: integer().notNull().default(0),
    nextAttemptAt: timestamptz().notNull().default(nowMs),
    lastError: text(),
    lastDeliveredAt: timestamptz(),
  },
  () => [check('edge_purge_state_single_row', sql`id = 1`)],
);

/**
 * The channels a GRIP proxy (Pushpin, Fastly Fanout) holds readers on: one
 * per distinct public subscription (operation and variables, the cursor
 * aside), written when a reader's stream is first held on it
 * (src/transport/grip.ts). The publisher (src/transport/grip-publisher.ts)
 * publishes every public event of the story to each, in order, and records
 * here how far it has gone.
 */
export const gripChannels = pgTable(
  'grip_channels',
  {
    /** The channel's name, as the proxy knows it (a hash of the operation and its variables). */
    id: text().primaryKey(),
    storyId: integer()
      .notNull()
      .references(() => stories.id, { onDelete: 'cascade' }),
    /** The GraphQL document, its operation name and variables (without the cursor), as readers send them. */
    query: text().notNull(),
    operationName: text(),
    variables: jsonb().$type<Record<string, unknown>>().notNull(),
    /** The story's public sequence number this channel has been published up to. */
    position: bigint({ mode: 'number' }).notNull(),
    /** When a reader was last held on it. */
    heldAt: timestamptz().notNull().default(nowMs),
  },
  (t) => [index('grip_channels_story_idx').on(t.storyId, t.position)],
);

/**
 * One row (id 1): who publishes to the GRIP proxies now (a lease, so that
 * one instance at a time publishes, in order), and the backoff after failures.
 */
export const gripPublishState = pgTable(
  'grip_publish_state',
  {
    id: integer().primaryKey().default(1),
    leaseOwner: text(),
    leaseUntil: timestamptz(),
    /** Failed rounds in a row (0 after a success): the next waits longer each time. */
    failures: integer().notNull().default(0),
    nextAttemptAt: timestamptz().notNull().default(nowMs),
    lastError: text(),
    lastPublishedAt: timestamptz(),
  },
  () => [check('grip_publish_state_single_row', sql`id = 1`)],
);

export type WebhookRow = typeof webhooks.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

export type StoryRow = typeof stories.$inferSelect;
export type EntryRow = typeof entries.$inferSelect;
export type PersonRow = typeof people.$inferSelect;
export type PlaceRow = typeof places.$inferSelect;
export type QuoteRow = typeof quotes.$inferSelect;
export type StoryEventRow = typeof storyEvents.$inferSelect;
export type EntryRevisionRow = typeof entryRevisions.$inferSelect;
