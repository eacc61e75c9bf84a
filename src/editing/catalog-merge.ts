/**
 * Merging two catalogue rows that are one person or one place (admins only).
 * In one transaction the loser's entry mentions, quotes, rejected mentions
 * and (for places) the places inside it move to the winner, its name and
 * aliases become the winner's aliases, its Wikidata (and GeoNames) id fills
 * the winner's if it has none, and the loser is deleted, leaving a redirect
 * (catalog_redirects) by which its global id and slug resolve to the winner.
 *
 * Both rows are locked FOR UPDATE in id order (places after the hierarchy
 * lock, as every move in the hierarchy takes it first), so that two merges
 * of the same rows wait for each other instead of deadlocking. Merging
 * again a loser already merged into the same winner answers like the first
 * time: a retry after a lost response is not an error. Every entry whose
 * mentions or quotes changed gets an UPDATED event in the same transaction
 * (the stories are locked before the rows, as a publish locks them).
 */
import { type SQL, and, eq, inArray, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import type { Tx } from '../db/client.js';
import { type MentionableKind, type MentionableRow, kindName, mentionable } from '../db/mentionables.js';
import { type StoryRow, catalogRedirects, entries, mentionRejections, nowMs, people, places, quotes, stories } from '../db/schema.js';
import { badUserInput, clientError, notFound } from '../errors.js';
import { foldString } from '../linking/normalise.js';
import { announceCatalogChange } from '../loaders/catalog-matcher.js';
import { mergedInto } from '../loaders/mentionables.js';
import { lockPlaceHierarchy, refuseCycle } from './catalog.js';
import { withConstraintErrors } from './database-errors.js';
import { touchEntry } from './entries.js';
import { lockStory } from '../live/append-event.js';

export interface MergeResult<K extends MentionableKind> {
  /** The winner as the merge left it. */
  winner: MentionableRow<K>;
}

export const mergePeople = (access: Access, winnerId: number, loserId: number) => merge(access, 'Person', winnerId, loserId);
export const mergePlaces = (access: Access, winnerId: number, loserId: number) => merge(access, 'Place', winnerId, loserId);

/**
 * The winner's aliases followed by the loser's name and aliases, leaving out
 * any that folds (case and accents aside, as linking matches names) to the
 * winner's name or to an alias already kept.
 */
export function mergedAliases(winner: { name: string; aliases: string[] }, loser: { name: string; aliases: string[] }): string[] {
  const seen = new Set([winner.name, ...winner.aliases].map(foldString));
  const kept = [...winner.aliases];
  for (const alias of [loser.name, ...loser.aliases]) {
    const key = foldString(alias);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(alias);
  }
  return kept;
}

/** Where an id stands now: its own row, or the row it was merged into. */
interface Resolved {
  id: number;
  merged: boolean;
}

async function resolve(tx: Tx, kind: MentionableKind, id: number, field: string, noun: string): Promise<Resolved> {
  const { table } = mentionable(kind);
  const [row] = await tx.select({ id: table.id }).from(table).where(eq(table.id, id));
  if (row) return { id, merged: false };
  const to = (await mergedInto(tx, kind, [id])).get(id);
  if (to === undefined) throw notFound(field, `No ${noun} with that ID.`);
  return { id: to, merged: true };
}

/** Entries whose mentions (or quotes, for a person) name the catalogue row `id`. */
function entriesNaming(tx: Tx, kind: MentionableKind, id: number) {
  const { link, targetId } = mentionable(kind);
  const mentioning = tx.select({ entryId: link.entryId }).from(link).where(eq(targetId, id));
  return kind === 'Person' ? mentioning.union(tx.select({ entryId: quotes.entryId }).from(quotes).where(eq(quotes.speakerId, id))) : mentioning;
}

async function storiesTouching(tx: Tx, kind: MentionableKind, id: number): Promise<number[]> {
  const named = entriesNaming(tx, kind, id).as('named');
  const rows = await tx.selectDistinct({ storyId: entries.storyId }).from(entries).innerJoin(named, eq(named.entryId, entries.id));
  return rows.map((r) => r.storyId);
}

async function lockStories(tx: Tx, ids: number[]): Promise<Map<number, StoryRow>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.select().from(stories).where(inArray(stories.id, ids)).orderBy(stories.id).for('update');
  return new Map(rows.map((r) => [r.id, r]));
}

/** How many times the rows are resolved again when one vanished between resolving and locking (a concurrent merge or deletion). */
const ATTEMPTS = 3;

async function merge<K extends MentionableKind>(access: Access, kind: K, winnerId: number, loserId: number): Promise<MergeResult<K>> {
  const noun = kind === 'Person' ? 'person' : 'place';
  if (winnerId === loserId) throw badUserInput('input.loser', `is input.winner itself: a ${noun} cannot be merged into itself`);
  const { table } = mentionable(kind);
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      if (kind === 'Place') await lockPlaceHierarchy(tx);
      for (let attempt = 1; ; attempt++) {
        const winner = await resolve(tx, kind, winnerId, 'input.winner', noun);
        const loser = await resolve(tx, kind, loserId, 'input.loser', noun);
        if (loser.id === winner.id) {
          // Merged into this winner already (perhaps through later merges): the answer of the first time.
          if (loser.merged) {
            const [row] = await tx.select().from(table).where(eq(table.id, winner.id));
            return { winner: row as MentionableRow<K> };
          }
          throw badUserInput('input.loser', `input.winner was merged into this ${noun} already: they are one ${noun}`);
        }
        if (loser.merged) throw clientError('CONFLICT', `input.loser: this ${noun} was merged into another ${noun} already`, { field: 'input.loser' });
        // The stories whose entries the merge changes get an event each entry (below): their rows are locked first,
        // in id order, as a publish locks its story before it links people, so that the two wait instead of deadlocking.
        const storyRows = await lockStories(tx, await storiesTouching(tx, kind, loser.id));
        const locked = await tx
          .select()
          .from(table)
          .where(inArray(table.id, [winner.id, loser.id]))
          .orderBy(table.id)
          .for('update');
        const winnerRow = locked.find((r) => r.id === winner.id) as MentionableRow<K> | undefined;
        const loserRow = locked.find((r) => r.id === loser.id) as MentionableRow<K> | undefined;
        if (winnerRow && loserRow) return { winner: await move(tx, access, kind, winnerRow, loserRow, storyRows) };
        if (attempt === ATTEMPTS) throw notFound(winnerRow ? 'input.loser' : 'input.winner', `No ${noun} with that ID.`);
      }
    }),
  );
}

/** Moves everything of `loser` to `winner`, deletes `loser` and leaves its redirect; the rows are locked. */
async function move<K extends MentionableKind>(
  tx: Tx,
  access: Access,
  kind: K,
  winner: MentionableRow<K>,
  loser: MentionableRow<K>,
  storyRows: Map<number, StoryRow>,
): Promise<MentionableRow<K>> {
  const { link } = mentionable(kind);
  // Read under the row locks: no entry can name the loser anew now.
  const named = entriesNaming(tx, kind, loser.id).as('named');
  const changed = await tx
    .select({ id: entries.id, storyId: entries.storyId })
    .from(entries)
    .innerJoin(named, eq(named.entryId, entries.id))
    .orderBy(entries.storyId, entries.id);
  // Spelled out: the statements below name it under aliases of the link table (the schema's key is camelCase).
  const target = sql.identifier(kind === 'Person' ? 'person_id' : 'place_id');
  const name = kindName(kind);
  const [w, l] = [winner.id, loser.id];

  if (kind === 'Place') await refuseCycle(tx, l, w, 'input.winner', 'lies inside input.loser: merge them the other way round, or move it out first');

  // An entry that mentions both keeps one mention of the winner, added by hand if either was.
  await tx.execute(sql`update ${link} as w set automatic = w.automatic and l.automatic
    from ${link} as l where w.${target} = ${w} and l.${target} = ${l} and l.entry_id = w.entry_id`);
  await tx.execute(sql`delete from ${link} as l where l.${target} = ${l}
    and exists (select 1 from ${link} as w where w.entry_id = l.entry_id and w.${target} = ${w})`);
  await tx.execute(sql`update ${link} set ${target} = ${w} where ${target} = ${l}`);

  // An editor who took the loser off an entry took the winner off it too, unless the entry mentions the winner.
  await tx.execute(sql`insert into ${mentionRejections} (entry_id, kind, target_id)
    select r.entry_id, r.kind, ${w}::int from ${mentionRejections} as r
    where r.kind = ${name} and r.target_id = ${l}
      and not exists (select 1 from ${link} as m where m.entry_id = r.entry_id and m.${target} = ${w})
    on conflict do nothing`);
  await tx.delete(mentionRejections).where(and(eq(mentionRejections.kind, name), eq(mentionRejections.targetId, l)));

  if (kind === 'Person') await tx.update(quotes).set({ speakerId: w, updatedAt: nowMs }).where(eq(quotes.speakerId, l));
  if (kind === 'Place') await tx.update(places).set({ parentId: w, updatedAt: nowMs }).where(eq(places.parentId, l));

  // Chains stay one hop long: whatever pointed at the loser now points at the winner.
  await tx.update(catalogRedirects).set({ toId: w }).where(and(eq(catalogRedirects.kind, name), eq(catalogRedirects.toId, l)));
  await tx.insert(catalogRedirects).values({ kind: name, fromId: l, fromSlug: loser.slug, toId: w, mergedBy: access.viewer.subject });

  // Deleted before the winner takes its ids, which are unique.
  await tx.execute(sql`delete from ${mentionable(kind).table} where id = ${l}`);
  const changes: { aliases: string[]; wikidataId: string | null; updatedAt: SQL } = {
    aliases: mergedAliases(winner, loser),
    wikidataId: winner.wikidataId ?? loser.wikidataId,
    updatedAt: nowMs,
  };
  const [updated] =
    kind === 'Place'
      ? await tx
          .update(places)
          .set({ ...changes, geonamesId: (winner as MentionableRow<'Place'>).geonamesId ?? (loser as MentionableRow<'Place'>).geonamesId })
          .where(eq(places.id, w))
          .returning()
      : await tx.update(people).set(changes).where(eq(people.id, w)).returning();
  // Each entry that named the loser now names the winner: an UPDATED event tells tickers, and carries the entry as it is now.
  for (const { id, storyId } of changed) {
    const story = storyRows.get(storyId) ?? (await lockStory(tx, storyId))!;
    await touchEntry(tx, access, story, id);
  }
  await announceCatalogChange(tx);
  return updated as MentionableRow<K>;
}
