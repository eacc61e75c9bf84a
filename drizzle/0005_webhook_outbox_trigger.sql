-- The webhook outbox is written by the database itself, in the transaction
-- that appends the story event: every writer of story_events (the API, the
-- demo seed, anything later) fills it, and no event can commit without its
-- deliveries or the other way round. Only public events leave the building.
create or replace function webhook_outbox_enqueue() returns trigger
language plpgsql as $$
begin
  if new.public then
    insert into webhook_deliveries (webhook_id, event_id)
    select w.id, new.id
    from webhooks w
    where (w.story_id is null or w.story_id = new.story_id)
      and new.kind = any (w.event_kinds)
    order by w.id;
  end if;
  return null;
end
$$;
--> statement-breakpoint
create trigger story_events_webhook_outbox
after insert on story_events
for each row execute function webhook_outbox_enqueue();
