ALTER TABLE "story_events" DROP CONSTRAINT "story_events_kind_check";--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "verification" text DEFAULT 'unverified' NOT NULL;--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "sources" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_verification_check" CHECK (verification in ('unverified', 'confirmed', 'disputed'));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_sources_check" CHECK (jsonb_typeof(sources) = 'array');--> statement-breakpoint
ALTER TABLE "story_events" ADD CONSTRAINT "story_events_kind_check" CHECK (kind in ('drafted', 'published', 'updated', 'retracted', 'pinned', 'unpinned', 'key_event_set', 'key_event_cleared', 'story_status_changed', 'verification_changed'));