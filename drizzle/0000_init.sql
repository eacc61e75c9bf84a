CREATE TABLE "entries" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"story_id" integer NOT NULL,
	"headline" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"key_event" boolean DEFAULT false NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"author" text,
	"revision" integer DEFAULT 1 NOT NULL,
	"correction_note" text,
	"published_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"sort_at" timestamp (3) with time zone GENERATED ALWAYS AS (coalesce(published_at, created_at)) STORED NOT NULL,
	"search_config" "regconfig" DEFAULT 'simple'::regconfig NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector(search_config, headline), 'A') || setweight(to_tsvector(search_config, body), 'B')) STORED NOT NULL,
	CONSTRAINT "entries_headline_check" CHECK (length(btrim(headline)) > 0),
	CONSTRAINT "entries_body_check" CHECK (length(btrim(body)) > 0),
	CONSTRAINT "entries_status_check" CHECK (status in ('draft', 'published', 'retracted')),
	CONSTRAINT "entries_revision_check" CHECK (revision >= 1),
	CONSTRAINT "entries_published_at_check" CHECK (status = 'draft' or published_at is not null),
	CONSTRAINT "entries_pinned_public_check" CHECK (not pinned or status = 'published')
);
--> statement-breakpoint
CREATE TABLE "entry_people" (
	"entry_id" integer NOT NULL,
	"person_id" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "entry_people_entry_id_person_id_pk" PRIMARY KEY("entry_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "entry_places" (
	"entry_id" integer NOT NULL,
	"place_id" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "entry_places_entry_id_place_id_pk" PRIMARY KEY("entry_id","place_id")
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "people_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"aliases" text[] DEFAULT '{}'::text[] NOT NULL,
	"description" text,
	"wikidata_id" text,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "people_slug_check" CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
	CONSTRAINT "people_name_check" CHECK (length(btrim(name)) > 0),
	CONSTRAINT "people_wikidata_id_check" CHECK (wikidata_id ~ '^Q[1-9][0-9]*$')
);
--> statement-breakpoint
CREATE TABLE "places" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "places_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"aliases" text[] DEFAULT '{}'::text[] NOT NULL,
	"kind" text NOT NULL,
	"country_code" text,
	"latitude" double precision,
	"longitude" double precision,
	"parent_id" integer,
	"geonames_id" integer,
	"wikidata_id" text,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "places_slug_check" CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
	CONSTRAINT "places_name_check" CHECK (length(btrim(name)) > 0),
	CONSTRAINT "places_kind_check" CHECK (kind in ('country', 'region', 'city', 'village', 'site')),
	CONSTRAINT "places_country_code_check" CHECK (country_code ~ '^[A-Z]{2}$'),
	CONSTRAINT "places_latitude_check" CHECK (latitude between -90 and 90),
	CONSTRAINT "places_longitude_check" CHECK (longitude between -180 and 180),
	CONSTRAINT "places_coordinates_check" CHECK ((latitude is null) = (longitude is null)),
	CONSTRAINT "places_parent_check" CHECK (parent_id <> id),
	CONSTRAINT "places_wikidata_id_check" CHECK (wikidata_id ~ '^Q[1-9][0-9]*$'),
	CONSTRAINT "places_geonames_id_check" CHECK (geonames_id > 0)
);
--> statement-breakpoint
CREATE TABLE "quotes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "quotes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"entry_id" integer NOT NULL,
	"speaker_id" integer,
	"attribution" text,
	"text" text NOT NULL,
	"language" text NOT NULL,
	"source" text,
	"context" text,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "quotes_text_check" CHECK (length(btrim(text)) > 0),
	CONSTRAINT "quotes_speaker_check" CHECK (speaker_id is not null or length(btrim(attribution)) > 0),
	CONSTRAINT "quotes_language_check" CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$')
);
--> statement-breakpoint
CREATE TABLE "stories" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "stories_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"summary" text,
	"language" text NOT NULL,
	"search_config" "regconfig" DEFAULT 'simple'::regconfig NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"coverage_start_at" timestamp (3) with time zone,
	"coverage_end_at" timestamp (3) with time zone,
	"last_event_seq" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "stories_slug_check" CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
	CONSTRAINT "stories_title_check" CHECK (length(btrim(title)) > 0),
	CONSTRAINT "stories_language_check" CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
	CONSTRAINT "stories_status_check" CHECK (status in ('draft', 'live', 'paused', 'ended')),
	CONSTRAINT "stories_coverage_check" CHECK (coverage_end_at is null or coverage_start_at is null or coverage_end_at >= coverage_start_at)
);
--> statement-breakpoint
CREATE TABLE "story_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "story_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"story_id" integer NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"entry_id" integer,
	"public" boolean NOT NULL,
	"actor" text,
	"occurred_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "story_events_kind_check" CHECK (kind in ('published', 'updated', 'retracted', 'pinned', 'unpinned', 'key_event_set', 'key_event_cleared', 'story_status_changed')),
	CONSTRAINT "story_events_seq_check" CHECK (seq >= 1)
);
--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_story_id_stories_id_fk" FOREIGN KEY ("story_id") REFERENCES "public"."stories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entry_people" ADD CONSTRAINT "entry_people_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entry_people" ADD CONSTRAINT "entry_people_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entry_places" ADD CONSTRAINT "entry_places_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entry_places" ADD CONSTRAINT "entry_places_place_id_places_id_fk" FOREIGN KEY ("place_id") REFERENCES "public"."places"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "places" ADD CONSTRAINT "places_parent_id_places_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."places"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_speaker_id_people_id_fk" FOREIGN KEY ("speaker_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "story_events" ADD CONSTRAINT "story_events_story_id_stories_id_fk" FOREIGN KEY ("story_id") REFERENCES "public"."stories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "story_events" ADD CONSTRAINT "story_events_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entries_story_sort_idx" ON "entries" USING btree ("story_id","sort_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "entries_story_key_event_sort_idx" ON "entries" USING btree ("story_id","sort_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE key_event;--> statement-breakpoint
CREATE UNIQUE INDEX "entries_one_pinned_per_story_key" ON "entries" USING btree ("story_id") WHERE pinned;--> statement-breakpoint
CREATE INDEX "entries_search_idx" ON "entries" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "entry_people_person_idx" ON "entry_people" USING btree ("person_id","entry_id");--> statement-breakpoint
CREATE INDEX "entry_places_place_idx" ON "entry_places" USING btree ("place_id","entry_id");--> statement-breakpoint
CREATE UNIQUE INDEX "people_slug_key" ON "people" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "people_wikidata_id_key" ON "people" USING btree ("wikidata_id");--> statement-breakpoint
CREATE INDEX "people_name_idx" ON "people" USING btree (lower("name") collate "C","id");--> statement-breakpoint
CREATE UNIQUE INDEX "places_slug_key" ON "places" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "places_geonames_id_key" ON "places" USING btree ("geonames_id");--> statement-breakpoint
CREATE UNIQUE INDEX "places_wikidata_id_key" ON "places" USING btree ("wikidata_id");--> statement-breakpoint
CREATE INDEX "places_parent_idx" ON "places" USING btree ("parent_id","id");--> statement-breakpoint
CREATE INDEX "places_name_idx" ON "places" USING btree (lower("name") collate "C","id");--> statement-breakpoint
CREATE INDEX "quotes_speaker_created_idx" ON "quotes" USING btree ("speaker_id","created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "quotes_entry_idx" ON "quotes" USING btree ("entry_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "stories_slug_key" ON "stories" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "stories_updated_idx" ON "stories" USING btree ("updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "stories_status_updated_idx" ON "stories" USING btree ("status","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "story_events_story_seq_key" ON "story_events" USING btree ("story_id","seq");--> statement-breakpoint
CREATE INDEX "story_events_entry_idx" ON "story_events" USING btree ("entry_id");