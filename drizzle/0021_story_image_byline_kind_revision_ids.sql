ALTER TABLE "entries" ADD COLUMN "byline_kind" text;--> statement-breakpoint
ALTER TABLE "entry_revisions" ADD COLUMN "id" integer NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "entry_revisions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "stories" ADD COLUMN "image" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "entry_revisions_id_key" ON "entry_revisions" USING btree ("id");--> statement-breakpoint
ALTER TABLE "entries" ADD CONSTRAINT "entries_byline_kind_check" CHECK (byline_kind is null or byline_kind in ('person', 'organization'));--> statement-breakpoint
ALTER TABLE "stories" ADD CONSTRAINT "stories_image_check" CHECK (image is null or jsonb_typeof(image) = 'object');