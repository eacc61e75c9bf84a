CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"result_id" integer,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key"),
	CONSTRAINT "idempotency_keys_key_check" CHECK (length(key) between 1 and 200)
);
--> statement-breakpoint
ALTER TABLE "story_events" DROP CONSTRAINT "story_events_kind_check";--> statement-breakpoint
ALTER TABLE "story_events" ADD CONSTRAINT "story_events_kind_check" CHECK (kind in ('drafted', 'published', 'updated', 'retracted', 'pinned', 'unpinned', 'key_event_set', 'key_event_cleared', 'story_status_changed'));