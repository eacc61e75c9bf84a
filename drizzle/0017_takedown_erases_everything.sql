-- Takedowns made before takeDownEntry erased images left them in the entry and in its events'
-- snapshots (which replays and webhook deliveries read), the byline in its revisions, and the
-- mentions editors had refused: erased here as takeDownEntry now erases them.
UPDATE "entries" SET "media" = '[]'::jsonb WHERE "taken_down_at" IS NOT NULL AND "media" <> '[]'::jsonb;--> statement-breakpoint
UPDATE "entry_revisions" AS r SET "author" = NULL
  FROM "entries" AS e WHERE e."id" = r."entry_id" AND e."taken_down_at" IS NOT NULL AND r."author" IS NOT NULL;--> statement-breakpoint
UPDATE "story_events" AS ev SET "snapshot" = jsonb_set(ev."snapshot", '{entry,media}', '[]'::jsonb)
  FROM "entries" AS e
  WHERE e."id" = ev."entry_id" AND e."taken_down_at" IS NOT NULL AND ev."snapshot" -> 'entry' -> 'media' <> '[]'::jsonb;--> statement-breakpoint
DELETE FROM "mention_rejections" AS m USING "entries" AS e WHERE e."id" = m."entry_id" AND e."taken_down_at" IS NOT NULL;
