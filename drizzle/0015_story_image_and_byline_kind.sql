ALTER TABLE "entries" ADD COLUMN "byline_kind" text;--> statement-breakpoint
ALTER TABLE "stories" ADD COLUMN "image" jsonb;--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_byline_kind_check" CHECK (byline_kind is null or byline_kind in ('person', 'organization'));--> statement-breakpoint
ALTER TABLE "stories" ADD CONSTRAINT "stories_image_check" CHECK (image is null or jsonb_typeof(image) = 'object');