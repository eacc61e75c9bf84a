-- Number the public events of every story 1, 2, 3… (readers' sequence), and give an event readers
-- do not see the number of the public event before it; each story keeps its count of public events.
UPDATE "story_events" AS e SET "public_seq" = (
  SELECT count(*) FROM "story_events" AS p WHERE p."story_id" = e."story_id" AND p."public" AND p."seq" <= e."seq"
);--> statement-breakpoint
UPDATE "stories" AS s SET "last_public_seq" = (
  SELECT count(*) FROM "story_events" AS p WHERE p."story_id" = s."id" AND p."public"
);
