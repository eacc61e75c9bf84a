CREATE TABLE "mention_rejections" (
	"entry_id" integer NOT NULL,
	"kind" text NOT NULL,
	"target_id" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "mention_rejections_entry_id_kind_target_id_pk" PRIMARY KEY("entry_id","kind","target_id"),
	CONSTRAINT "mention_rejections_kind_check" CHECK (kind in ('person', 'place'))
);
--> statement-breakpoint
ALTER TABLE "entries" ADD COLUMN "auto_link" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "entry_people" ADD COLUMN "automatic" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "entry_places" ADD COLUMN "automatic" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "search_names" text GENERATED ALWAYS AS (diretta_fold_names(name, aliases)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "places" ADD COLUMN "search_names" text GENERATED ALWAYS AS (diretta_fold_names(name, aliases)) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "quotes" ADD COLUMN "status" text DEFAULT 'confirmed' NOT NULL;--> statement-breakpoint
ALTER TABLE "mention_rejections" ADD CONSTRAINT "mention_rejections_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_status_check" CHECK (status in ('confirmed', 'suggested', 'rejected'));