-- Image and source URLs are stored as the URL standard serialises them from now on (src/editing/validation.ts,
-- webUrl). Those stored before keep their other spellings, but the four characters the standard percent-encodes
-- in every part of an http(s) URL after its host (space, ", <, >), which would end an HTML attribute in a page
-- that pastes them, are percent-encoded here: in the entries and in the entry as every event stored it.
UPDATE "entries" SET "media" = (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(item -> 'url') = 'string' THEN jsonb_set(item, '{url}', to_jsonb(replace(replace(replace(replace(item ->> 'url', ' ', '%20'), '"', '%22'), '<', '%3C'), '>', '%3E'))) ELSE item END ORDER BY position), '[]'::jsonb)
    FROM jsonb_array_elements("media") WITH ORDINALITY AS t(item, position))
  WHERE EXISTS (SELECT 1 FROM jsonb_array_elements("media") AS t(item) WHERE item ->> 'url' ~ '[ "<>]');--> statement-breakpoint
UPDATE "entries" SET "sources" = (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(item -> 'url') = 'string' THEN jsonb_set(item, '{url}', to_jsonb(replace(replace(replace(replace(item ->> 'url', ' ', '%20'), '"', '%22'), '<', '%3C'), '>', '%3E'))) ELSE item END ORDER BY position), '[]'::jsonb)
    FROM jsonb_array_elements("sources") WITH ORDINALITY AS t(item, position))
  WHERE EXISTS (SELECT 1 FROM jsonb_array_elements("sources") AS t(item) WHERE item ->> 'url' ~ '[ "<>]');--> statement-breakpoint
UPDATE "story_events" SET "snapshot" = jsonb_set("snapshot", '{entry,media}', (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(item -> 'url') = 'string' THEN jsonb_set(item, '{url}', to_jsonb(replace(replace(replace(replace(item ->> 'url', ' ', '%20'), '"', '%22'), '<', '%3C'), '>', '%3E'))) ELSE item END ORDER BY position), '[]'::jsonb)
    FROM jsonb_array_elements("snapshot" -> 'entry' -> 'media') WITH ORDINALITY AS t(item, position)))
  WHERE jsonb_typeof("snapshot" -> 'entry' -> 'media') = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements("snapshot" -> 'entry' -> 'media') AS t(item) WHERE item ->> 'url' ~ '[ "<>]');--> statement-breakpoint
UPDATE "story_events" SET "snapshot" = jsonb_set("snapshot", '{entry,sources}', (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(item -> 'url') = 'string' THEN jsonb_set(item, '{url}', to_jsonb(replace(replace(replace(replace(item ->> 'url', ' ', '%20'), '"', '%22'), '<', '%3C'), '>', '%3E'))) ELSE item END ORDER BY position), '[]'::jsonb)
    FROM jsonb_array_elements("snapshot" -> 'entry' -> 'sources') WITH ORDINALITY AS t(item, position)))
  WHERE jsonb_typeof("snapshot" -> 'entry' -> 'sources') = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements("snapshot" -> 'entry' -> 'sources') AS t(item) WHERE item ->> 'url' ~ '[ "<>]');
