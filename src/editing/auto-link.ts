/**
 * Linking on publish: when an entry is written (createEntry, updateEntry),
 * the people and places its text names are linked to it, marked automatic,
 * and the quotes found are stored as suggestions that readers do not see
 * until an editor confirms them (src/editing/quotes.ts).
 *
 * What an editor decided is never undone by linking: a link they removed
 * (mention_rejections) is not added again, a link they made stays when the
 * text no longer names it, and a quote they confirmed or rejected is not
 * suggested again. Automatic links the text no longer supports go away, and
 * so do pending suggestions it no longer contains.
 *
 * Cost: the matcher is in memory (src/loaders/catalog-matcher.ts), so an
 * entry costs two statements however many names and quotes it holds: one
 * that reads what linking must respect, one that writes every change.
 */
import { sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { type Tx, queryRows } from '../db/client.js';
import type { EntryRow, MentionKindName, QuoteStatus, StoryRow } from '../db/schema.js';
import { type Matcher, findMentions, findQuotes } from '../linking/index.js';
import type { CatalogMatcher } from '../loaders/catalog-matcher.js';
import { QUOTE_LIMITS } from './quote-rules.js';

/** An Access that may carry the instance's matcher (the GraphQL context does); without one nothing is linked. */
export type LinkingAccess = Access & { linking?: CatalogMatcher };

/** At most this many suggestions per entry: an entry made of quotations must not flood the review. */
const MAX_SUGGESTED_QUOTES = 50;

interface Respected {
  known: number[];
  rejected: [MentionKindName, number][];
  quotes: { id: number; text: string; status: QuoteStatus; edited: boolean }[];
}

/** Quote texts compare without case, spacing and typographic differences. */
const quoteKey = (text: string) => text.normalize('NFC').toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();

const jsonParam = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * The matcher, fetched before the writer's transaction opens: building it
 * reads the catalog through the pool, which on PGlite (one connection) would
 * wait for the very transaction that needs it. Null when nothing is to be linked.
 */
export async function linkingMatcher(access: LinkingAccess, wanted = true): Promise<Matcher | null> {
  return wanted && access.linking ? access.linking.matcher() : null;
}

/** Links what the entry's text names; a no-op without a matcher or for an entry with autoLink off. */
export async function linkEntry(tx: Tx, matcher: Matcher | null, story: StoryRow, entry: EntryRow): Promise<void> {
  if (!matcher || !entry.autoLink) return;
  const [respected] = await queryRows<Respected>(tx, sql`
    select
      (select coalesce(jsonb_agg(distinct l.person_id), '[]'::jsonb) from entry_people l join entries e on e.id = l.entry_id
        where e.story_id = ${story.id} and e.id <> ${entry.id}) as known,
      (select coalesce(jsonb_agg(jsonb_build_array(r.kind, r.target_id)), '[]'::jsonb) from mention_rejections r where r.entry_id = ${entry.id}) as rejected,
      (select coalesce(jsonb_agg(jsonb_build_object('id', q.id, 'text', q.text, 'status', q.status, 'edited', q.updated_at > q.created_at)), '[]'::jsonb) from quotes q where q.entry_id = ${entry.id}) as quotes
  `);

  const language = story.language.split('-')[0]!.toLowerCase();
  const text = `${entry.headline}\n\n${entry.body}`;
  const mentions = findMentions(matcher, text, { language, knownPersonIds: respected!.known });
  const refused = new Set(respected!.rejected.map(([kind, id]) => `${kind}:${id}`));
  const wanted = mentions.filter((m) => !refused.has(`${m.kind}:${m.id}`));
  const ids = (kind: MentionKindName) => [...new Set(wanted.filter((m) => m.kind === kind).map((m) => m.id))];

  // A quote the editor already has (in any state) stays as it is; a pending suggestion the text still holds is kept.
  const existing = new Map(respected!.quotes.map((q) => [quoteKey(q.text), q]));
  const found = new Set<string>();
  const suggestions: { speaker_id: number | null; attribution: string | null; text: string; source: string | null }[] = [];
  for (const quote of findQuotes(text, mentions, { language })) {
    const key = quoteKey(quote.text);
    found.add(key);
    if (existing.has(key) || suggestions.length >= MAX_SUGGESTED_QUOTES) continue;
    // A speaker the editor took off this entry is not trusted to have said anything in it.
    const speakerId = quote.speakerId !== null && refused.has(`person:${quote.speakerId}`) ? null : quote.speakerId;
    const attribution = quote.attribution?.slice(0, QUOTE_LIMITS.attribution) ?? null;
    if (speakerId === null && !attribution) continue; // a quote must name who said it; analyzeText still shows it
    if (quote.text.length > QUOTE_LIMITS.text) continue;
    suggestions.push({ speaker_id: speakerId, attribution, text: quote.text, source: quote.source?.slice(0, QUOTE_LIMITS.source) ?? null });
  }
  // A suggestion an editor corrected (updateQuote) is theirs to confirm or reject, whatever the text says now.
  const stale = respected!.quotes.filter((q) => q.status === 'suggested' && !q.edited && !found.has(quoteKey(q.text))).map((q) => q.id);

  // Every change in one statement (data-modifying CTEs): the cost of linking does not grow with what it finds.
  await tx.execute(sql`
    with
      found_people as (select value::int as id from jsonb_array_elements_text(${jsonParam(ids('person'))})),
      found_places as (select value::int as id from jsonb_array_elements_text(${jsonParam(ids('place'))})),
      dropped_people as (delete from entry_people where entry_id = ${entry.id} and automatic and person_id not in (select id from found_people)),
      dropped_places as (delete from entry_places where entry_id = ${entry.id} and automatic and place_id not in (select id from found_places)),
      added_people as (insert into entry_people (entry_id, person_id, automatic) select ${entry.id}, id, true from found_people on conflict do nothing),
      added_places as (insert into entry_places (entry_id, place_id, automatic) select ${entry.id}, id, true from found_places on conflict do nothing),
      dropped_quotes as (delete from quotes where entry_id = ${entry.id} and status = 'suggested'
        and id in (select value::int from jsonb_array_elements_text(${jsonParam(stale)}))),
      added_quotes as (insert into quotes (entry_id, speaker_id, attribution, text, source, language, status)
        select ${entry.id}, q.speaker_id, q.attribution, q.text, q.source, ${story.language}, 'suggested'
        from jsonb_to_recordset(${jsonParam(suggestions)}) as q(speaker_id int, attribution text, text text, source text))
    select 1
  `);
}
