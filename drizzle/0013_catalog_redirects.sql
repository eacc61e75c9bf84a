CREATE TABLE "catalog_redirects" (
	"kind" text NOT NULL,
	"from_id" integer NOT NULL,
	"from_slug" text NOT NULL,
	"to_id" integer NOT NULL,
	"merged_by" text,
	"merged_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	CONSTRAINT "catalog_redirects_kind_from_id_pk" PRIMARY KEY("kind","from_id"),
	CONSTRAINT "catalog_redirects_kind_check" CHECK (kind in ('person', 'place'))
);
--> statement-breakpoint
CREATE INDEX "catalog_redirects_slug_idx" ON "catalog_redirects" USING btree ("kind","from_slug","merged_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "catalog_redirects_to_idx" ON "catalog_redirects" USING btree ("kind","to_id");