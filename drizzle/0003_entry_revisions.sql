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
ALTER TABLE "entry_revisions" ADD CONSTRAINT "entry_revisions_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."entries"("id") ON DELETE no action ON UPDATE no action;