-- The purge outbox is written by the database itself, in the transaction
-- that makes the change, like the webhook outbox: every writer (the API,
-- the demo seed, a script) fills it, and no change commits without its
-- purge. The keys are those answers name (src/edge/keys.ts):
--   story-<id> (a story's content), story-<id>-meta (its title, status…),
--   entry-<id>, person-<id> / place-<id> (their lists: quotes, mentions),
--   person-<id>-name / place-<id>-name (their catalog fields, shown anywhere),
--   stories, people, places (lists of them), search, all (answers whose keys
--   were too many to name).
insert into edge_purge_state (id) values (1) on conflict do nothing;
--> statement-breakpoint
create or replace function edge_purge_event() returns trigger
language plpgsql as $$
declare
  purge_keys text[];
  earlier jsonb;
begin
  -- What readers never saw (a draft's changes) changes nothing they can be served; story-level events always purge.
  if not new.public and new.entry_id is not null then
    return null;
  end if;
  purge_keys := array['story-' || new.story_id, 'stories', 'all'];
  if new.entry_id is null then
    purge_keys := purge_keys || array['story-' || new.story_id || '-meta', 'search'];
  else
    -- The people and places the entry names after the event, the speakers of its quotes, and those it named before.
    select snapshot into earlier from story_events
      where entry_id = new.entry_id and id < new.id and snapshot is not null
      order by id desc limit 1;
    purge_keys := purge_keys || ('entry-' || new.entry_id) || array(
      select distinct 'person-' || p from (
        select jsonb_array_elements_text(coalesce(new.snapshot -> 'people', '[]'::jsonb)) as p
        union select jsonb_array_elements_text(coalesce(earlier -> 'people', '[]'::jsonb))
        union select speaker_id::text from quotes where entry_id = new.entry_id
      ) named where p is not null order by 1
    ) || array(
      select distinct 'place-' || p from (
        select jsonb_array_elements_text(coalesce(new.snapshot -> 'places', '[]'::jsonb)) as p
        union select jsonb_array_elements_text(coalesce(earlier -> 'places', '[]'::jsonb))
      ) named where p is not null order by 1
    );
  end if;
  insert into edge_purges (event_id, keys, hard)
  values (new.id, purge_keys, new.kind in ('taken_down', 'retracted'));
  return null;
end
$$;
--> statement-breakpoint
create trigger story_events_edge_purge
after insert on story_events
for each row execute function edge_purge_event();
--> statement-breakpoint
-- Catalog changes: one purge per statement (a merge moves many rows at once), naming every row it changed.
-- Each kind of statement has its own transition tables: an insert has no old rows, a delete no new ones.
create or replace function edge_purge_people() returns trigger
language plpgsql as $$
declare
  ids int[];
begin
  if tg_op = 'INSERT' then
    select array_agg(id) into ids from edge_changed_new;
  elsif tg_op = 'DELETE' then
    select array_agg(id) into ids from edge_changed_old;
  else
    select array_agg(id) into ids from (select id from edge_changed_old union select id from edge_changed_new) changed;
  end if;
  if ids is not null then
    insert into edge_purges (keys)
    select array_agg(k order by k) || array['people', 'all']
    from (select distinct unnest(array['person-' || id, 'person-' || id || '-name']) as k from unnest(ids) as id) named;
  end if;
  return null;
end
$$;
--> statement-breakpoint
create or replace function edge_purge_places() returns trigger
language plpgsql as $$
declare
  ids int[];
  parents int[];
begin
  -- A place's parent lists it among its children (a catalog field of the parent): the old and the new parent's.
  if tg_op = 'INSERT' then
    select array_agg(id), array_agg(parent_id) into ids, parents from edge_changed_new;
  elsif tg_op = 'DELETE' then
    select array_agg(id), array_agg(parent_id) into ids, parents from edge_changed_old;
  else
    select array_agg(id), array_agg(parent_id) into ids, parents
    from (select id, parent_id from edge_changed_old union select id, parent_id from edge_changed_new) changed;
  end if;
  if ids is not null then
    insert into edge_purges (keys)
    select array_agg(k order by k) || array['places', 'all']
    from (
      select distinct unnest(array['place-' || id, 'place-' || id || '-name']) as k from unnest(ids) as id
      union select 'place-' || parent || '-name' from unnest(parents) as parent where parent is not null
    ) named;
  end if;
  return null;
end
$$;
--> statement-breakpoint
create trigger people_edge_purge_insert after insert on people referencing new table as edge_changed_new for each statement execute function edge_purge_people();
--> statement-breakpoint
create trigger people_edge_purge_update after update on people referencing old table as edge_changed_old new table as edge_changed_new for each statement execute function edge_purge_people();
--> statement-breakpoint
create trigger people_edge_purge_delete after delete on people referencing old table as edge_changed_old for each statement execute function edge_purge_people();
--> statement-breakpoint
create trigger places_edge_purge_insert after insert on places referencing new table as edge_changed_new for each statement execute function edge_purge_places();
--> statement-breakpoint
create trigger places_edge_purge_update after update on places referencing old table as edge_changed_old new table as edge_changed_new for each statement execute function edge_purge_places();
--> statement-breakpoint
create trigger places_edge_purge_delete after delete on places referencing old table as edge_changed_old for each statement execute function edge_purge_places();
