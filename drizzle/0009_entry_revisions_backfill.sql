-- Entries written before revisions were recorded: their current state becomes
-- their latest revision (earlier ones were not kept), public if the entry is.
INSERT INTO "entry_revisions" ("entry_id", "revision", "headline", "body", "author", "correction_note", "public", "created_at")
SELECT "id", "revision", "headline", "body", "author", "correction_note", "status" = 'published', "updated_at" FROM "entries"
ON CONFLICT DO NOTHING;
