CREATE TABLE "grip_channels" (
	"id" text PRIMARY KEY NOT NULL,
	"story_id" integer NOT NULL,
	"query" text NOT NULL,
	"operation_name" text,
	"variables" jsonb NOT NULL,
	"position" bigint NOT NULL,
	"held_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grip_publish_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp (3) with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"last_error" text,
	"last_published_at" timestamp (3) with time zone,
	CONSTRAINT "grip_publish_state_single_row" CHECK (id = 1)
);
--> statement-breakpoint
ALTER TABLE "grip_channels" ADD CONSTRAINT "grip_channels_story_id_stories_id_fk" FOREIGN KEY ("story_id") REFERENCES "public"."stories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grip_channels_story_idx" ON "grip_channels" USING btree ("story_id","position");