ALTER TABLE "entries" DROP CONSTRAINT "entries_status_check";--> statement-breakpoint
ALTER TABLE "entries" DROP CONSTRAINT "entries_published_at_check";--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "publish_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "entries_scheduled_due_idx" ON "entries" USING btree ("publish_at") WHERE status = 'scheduled';--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_scheduled_check" CHECK (status <> 'scheduled' or publish_at is not null);--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_status_check" CHECK (status in ('draft', 'scheduled', 'published', 'retracted'));--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_published_at_check" CHECK (status in ('draft', 'scheduled') or published_at is not null);