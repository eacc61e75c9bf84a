ALTER TABLE "stories" ADD COLUMN "last_public_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "story_events" ADD COLUMN "public_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "story_events_story_public_seq_idx" ON "story_events" USING btree ("story_id","public_seq");