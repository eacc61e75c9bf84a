ALTER TABLE "story_events" DROP CONSTRAINT "story_events_kind_check";--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "taken_down_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "takedown_reason" text;--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_takedown_check" CHECK (taken_down_at is null or (status = 'retracted' and takedown_reason is not null));--> statement-breakpoint
ALTER TABLE "story_events" ADD CONSTRAINT "story_events_kind_check" CHECK (kind in ('drafted', 'published', 'updated', 'retracted', 'pinned', 'unpinned', 'key_event_set', 'key_event_cleared', 'story_status_changed', 'verification_changed', 'taken_down'));