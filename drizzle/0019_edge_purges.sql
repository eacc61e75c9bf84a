CREATE TABLE "edge_purge_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp (3) with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"last_error" text,
	"last_delivered_at" timestamp (3) with time zone,
	CONSTRAINT "edge_purge_state_single_row" CHECK (id = 1)
);
--> statement-breakpoint
CREATE TABLE "edge_purges" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "edge_purges_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" bigint,
	"keys" text[] NOT NULL,
	"hard" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT date_trunc('milliseconds', now()) NOT NULL,
	"delivered_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE INDEX "edge_purges_pending_idx" ON "edge_purges" USING btree ("id") WHERE delivered_at is null;--> statement-breakpoint
CREATE INDEX "edge_purges_delivered_idx" ON "edge_purges" USING btree ("delivered_at");