CREATE TABLE "entry_revisions" (
	"entry_id" integer NOT NULL,
	"revision" integer NOT NULL,
	"headline" text NOT NULL,
	"body" text NOT NULL,
	"author" text,
	"correction_note" text,
	"editor" text,
	"public" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "entry_revisions_entry_id_revision_pk" PRIMARY KEY("entry_id","revision"),
	CONSTRAINT "entry_revisions_revision_check" CHECK (revision >= 1)
);
--> statement-breakpoint
ALTER TABLE "entries" DROP CONSTRAINT "entries_status_check";--> statement-breakpoint
ALTER TABLE "entries" DROP CONSTRAINT "entries_published_at_check";--> statement-breakpoint
ALTER TABLE "story_events" DROP CONSTRAINT "story_events_kind_check";--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "verification" text DEFAULT 'unverified' NOT NULL;--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "sources" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "taken_down_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "takedown_reason" text;--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "publish_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "entry_revisions" ADD CONSTRAINT "entry_revisions_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entries_scheduled_due_idx" ON "entries" USING btree ("publish_at") WHERE status = 'scheduled';--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_takedown_check" CHECK (taken_down_at is null or (status = 'retracted' and takedown_reason is not null));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_scheduled_check" CHECK (status <> 'scheduled' or publish_at is not null);--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_verification_check" CHECK (verification in ('unverified', 'confirmed', 'disputed'));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_sources_check" CHECK (jsonb_typeof(sources) = 'array');--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_status_check" CHECK (status in ('draft', 'scheduled', 'published', 'retracted'));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_published_at_check" CHECK (status in ('draft', 'scheduled') or published_at is not null);--> statement-breakpoint
ALTER TABLE "story_events" ADD CONSTRAINT "story_events_kind_check" CHECK (kind in ('drafted', 'published', 'updated', 'retracted', 'pinned', 'unpinned', 'key_event_set', 'key_event_cleared', 'story_status_changed', 'verification_changed', 'taken_down'));