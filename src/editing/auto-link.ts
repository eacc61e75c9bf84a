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
 * Outside the story's lock: reading a text is CPU work (a few milliseconds
 * for the longest entry), and while a writer holds the story's lock every
 * other writer of the story waits. So linking reads what it must respect
 * and computes the links before the writer's transaction (prepareLinks);
 * the transaction then writes them in one statement that first checks that
 * what they were computed from still holds — the story's other people, the
 * entry's rejected links and its quotes, its text and the story's language.
 * When another editor's write came in between, the links are computed again
 * under the lock from what the statement found: the result is always the
 * one the entry's committed state gives.
 *
 * Cost: the matcher is in memory (src/loaders/catalog-matcher.ts), so an
 * entry costs two statements however many names and quotes it holds: one
 * before the transaction that reads what linking must respect, one in it
 * that checks and writes every change.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Access } from '../access.js';
import { type Db, type Tx, queryRows } from '../db/client.js';
import type { EntryRow, MentionKindName, QuoteStatus, StoryRow } from '../db/schema.js';
import { type Matcher, findMentions, findQuotes } from '../linking/index.js';
import type { CatalogMatcher } from '../loaders/catalog-matcher.js';
import { QUOTE_LIMITS } from './quote-rules.js';

/** An Access that may carry the instance's matcher (the GraphQL context does); without one nothing is linked. */
export type LinkingAccess = Access & { linking?: CatalogMatcher };

/** At most this many suggestions per entry: an entry made of quotations must not flood the review. */
const MAX_SUGGESTED_QUOTES = 50;

/** What linking must respect, as one statement reads it (in a fixed order, so that two reads compare equal). */
interface Respected {
  /** The people the story's other entries link, ascending. */
  known: number[];
  /** Links an editor removed from this entry, by kind then id. */
  rejected: [MentionKindName, number][];
  /** The entry's quotes, by id. */
  quotes: { id: number; text: string; status: QuoteStatus; edited: boolean }[];
}

/** The changes linking makes to an entry. */
interface LinkChanges {
  people: number[];
  places: number[];
  /** Pending suggestions the text no longer holds. */
  stale: number[];
  suggestions: { speaker_id: number | null; attribution: string | null; text: string; source: string | null }[];
}

/** Links computed for a text from what linking respected when it read it. */
export interface PreparedLinks {
  language: string;
  text: string;
  respected: Respected;
  /**
   * What the writing statement checks before it writes: everything, or only
   * the story's other people (a new entry: nobody else can reject its links
   * or add its quotes before it commits).
   */
  check: 'all' | 'known';
  changes: LinkChanges;
}

/** How often links were computed before the lock and how often again under it, for tests and logs. */
export const autoLinkCounts = { beforeLock: 0, underLock: 0 };

/** Quote texts compare without case, spacing and typographic differences. */
const quoteKey = (text: string) => text.normalize('NFC').toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();

const jsonParam = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/** The text linking reads: headline and body. */
const entryText = (entry: Pick<EntryRow, 'headline' | 'body'>) => `${entry.headline}\n\n${entry.body}`;

const linkingLanguage = (language: string) => language.split('-')[0]!.toLowerCase();

/**
 * The three parts of Respected, each in a fixed order. `entryId` null: an
 * entry not created yet (nothing to exclude, reject or quote). Its aliases
 * are its own (known_*): an outer query may pass columns of its `entries`.
 */
function respectedColumns(storyId: SQL | number, entryId: SQL | number | null): SQL {
  const self = entryId ?? 0;
  return sql`
      (select coalesce(jsonb_agg(distinct known_l.person_id order by known_l.person_id), '[]'::jsonb)
        from entry_people known_l join entries known_e on known_e.id = known_l.entry_id
        where known_e.story_id = ${storyId} and known_e.id <> ${self}) as known,
      (select coalesce(jsonb_agg(jsonb_build_array(known_r.kind, known_r.target_id) order by known_r.kind, known_r.target_id), '[]'::jsonb)
        from mention_rejections known_r where known_r.entry_id = ${self}) as rejected,
      (select coalesce(jsonb_agg(jsonb_build_object('id', known_q.id, 'text', known_q.text, 'status', known_q.status, 'edited', known_q.updated_at > known_q.created_at) order by known_q.id), '[]'::jsonb)
        from quotes known_q where known_q.entry_id = ${self}) as quotes`;
}

/**
 * The matcher, fetched before the writer's transaction opens: building it
 * reads the catalog through the pool, which on PGlite (one connection) would
 * wait for the very transaction that needs it. Null when nothing is to be linked.
 */
export async function linkingMatcher(access: LinkingAccess, wanted = true): Promise<Matcher | null> {
  return wanted && access.linking ? access.linking.matcher() : null;
}

/** The links a text gets, given what linking must respect: pure CPU, no database. */
function planLinks(matcher: Matcher, storyLanguage: string, text: string, respected: Respected): LinkChanges {
  const language = linkingLanguage(storyLanguage);
  const mentions = findMentions(matcher, text, { language, knownPersonIds: respected.known });
  const refused = new Set(respected.rejected.map(([kind, id]) => `${kind}:${id}`));
  const wanted = mentions.filter((m) => !refused.has(`${m.kind}:${m.id}`));
  const ids = (kind: MentionKindName) => [...new Set(wanted.filter((m) => m.kind === kind).map((m) => m.id))];

  // A quote the editor already has (in any state) stays as it is; a pending suggestion the text still holds is kept.
  const existing = new Map(respected.quotes.map((q) => [quoteKey(q.text), q]));
  const found = new Set<string>();
  const suggestions: LinkChanges['suggestions'] = [];
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
  const stale = respected.quotes.filter((q) => q.status === 'suggested' && !q.edited && !found.has(quoteKey(q.text))).map((q) => q.id);
  return { people: ids('person'), places: ids('place'), stale, suggestions };
}

/**
 * Before createEntry's transaction: reads the story's language and its
 * people (one statement, no lock) and computes the new entry's links, its
 * own quotes (`quoteTexts`, confirmed as it writes them) counting as quotes
 * it already has. Null when nothing is to be linked or the story is not there.
 */
export async function prepareNewEntryLinks(
  db: Db,
  matcher: Matcher | null,
  input: { storyId: number; headline: string; body: string; quoteTexts: readonly string[] },
): Promise<PreparedLinks | null> {
  if (!matcher) return null;
  const [row] = await queryRows<{ language: string; known: number[] }>(db, sql`
    select s.language, ${respectedColumns(sql`s.id`, null)}
    from stories s where s.id = ${input.storyId}
  `);
  if (!row) return null;
  const respected: Respected = { known: row.known, rejected: [], quotes: input.quoteTexts.map((text) => ({ id: 0, text, status: 'confirmed', edited: false })) };
  const text = entryText(input);
  autoLinkCounts.beforeLock++;
  return { language: row.language, text, respected, check: 'known', changes: planLinks(matcher, row.language, text, respected) };
}

/**
 * Before updateEntry's transaction: reads the entry as it is, its story's
 * language and what linking must respect (one statement, no lock), and
 * computes the links of the text the update will leave. Null when nothing
 * is to be linked (autoLink off, or neither text nor autoLink changes).
 */
export async function prepareEntryUpdateLinks(
  db: Db,
  matcher: Matcher | null,
  input: { entryId: number; headline?: string | undefined; body?: string | undefined; autoLink?: boolean | null | undefined },
): Promise<PreparedLinks | null> {
  if (!matcher || (input.headline === undefined && input.body === undefined && !input.autoLink)) return null;
  const [row] = await queryRows<Respected & { language: string; headline: string; body: string; auto_link: boolean }>(db, sql`
    select s.language, e.headline, e.body, e.auto_link, ${respectedColumns(sql`e.story_id`, sql`e.id`)}
    from entries e join stories s on s.id = e.story_id where e.id = ${input.entryId}
  `);
  if (!row || !(input.autoLink ?? row.auto_link)) return null;
  const text = entryText({ headline: input.headline ?? row.headline, body: input.body ?? row.body });
  const respected: Respected = { known: row.known, rejected: row.rejected, quotes: row.quotes };
  autoLinkCounts.beforeLock++;
  return { language: row.language, text, respected, check: 'all', changes: planLinks(matcher, row.language, text, respected) };
}

/**
 * In the writer's transaction, under the story's lock: writes the links of
 * the entry as it now is. Uses the prepared links when they were computed
 * from this very text, language and (checked by the writing statement)
 * respected state; otherwise computes them again here. A no-op without a
 * matcher or for an entry with autoLink off.
 */
export async function linkEntry(tx: Tx, matcher: Matcher | null, story: StoryRow, entry: EntryRow, prepared: PreparedLinks | null = null): Promise<void> {
  if (!matcher || !entry.autoLink) return;
  const text = entryText(entry);
  let plan = prepared && prepared.text === text && prepared.language === story.language ? prepared : null;
  if (!plan) {
    // The text or the language changed since (another editor's write came first), or nothing was prepared.
    const [respected] = await queryRows<Respected>(tx, sql`select ${respectedColumns(story.id, entry.id)}`);
    plan = underLock(matcher, story, text, respected!);
  }
  const written = await writeLinks(tx, story, entry, plan);
  if (written.applied) return;
  // What linking respects changed between the read and the lock: compute again from what the statement found.
  const again = await writeLinks(tx, story, entry, underLock(matcher, story, text, written.respected));
  if (!again.applied) throw new Error('linking: what it respects changed under the story lock');
}

function underLock(matcher: Matcher, story: StoryRow, text: string, respected: Respected): PreparedLinks {
  autoLinkCounts.underLock++;
  return { language: story.language, text, respected, check: 'all', changes: planLinks(matcher, story.language, text, respected) };
}

/**
 * Every change in one statement (data-modifying CTEs), applied only if what
 * linking respected is still what the plan was computed from: the cost of
 * linking does not grow with what it finds. Returns what it found otherwise.
 */
async function writeLinks(tx: Tx, story: StoryRow, entry: EntryRow, plan: PreparedLinks): Promise<{ applied: boolean; respected: Respected }> {
  const { changes, respected } = plan;
  const holds =
    plan.check === 'known'
      ? sql`r.known = ${jsonParam(respected.known)}`
      : sql`r.known = ${jsonParam(respected.known)} and r.rejected = ${jsonParam(respected.rejected)} and r.quotes = ${jsonParam(respected.quotes)}`;
  const [result] = await queryRows<Respected & { applied: boolean }>(tx, sql`
    with
      respected as (select ${respectedColumns(story.id, entry.id)}),
      still as (select 1 as yes from respected r where ${holds}),
      found_people as (select value::int as id from jsonb_array_elements_text(${jsonParam(changes.people)})),
      found_places as (select value::int as id from jsonb_array_elements_text(${jsonParam(changes.places)})),
      dropped_people as (delete from entry_people where entry_id = ${entry.id} and automatic and person_id not in (select id from found_people)
        and exists (select 1 from still)),
      dropped_places as (delete from entry_places where entry_id = ${entry.id} and automatic and place_id not in (select id from found_places)
        and exists (select 1 from still)),
      added_people as (insert into entry_people (entry_id, person_id, automatic) select ${entry.id}, id, true from found_people
        where exists (select 1 from still) on conflict do nothing),
      added_places as (insert into entry_places (entry_id, place_id, automatic) select ${entry.id}, id, true from found_places
        where exists (select 1 from still) on conflict do nothing),
      dropped_quotes as (delete from quotes where entry_id = ${entry.id} and status = 'suggested'
        and id in (select value::int from jsonb_array_elements_text(${jsonParam(changes.stale)})) and exists (select 1 from still)),
      added_quotes as (insert into quotes (entry_id, speaker_id, attribution, text, source, language, status)
        select ${entry.id}, q.speaker_id, q.attribution, q.text, q.source, ${story.language}, 'suggested'
        from jsonb_to_recordset(${jsonParam(changes.suggestions)}) as q(speaker_id int, attribution text, text text, source text)
        where exists (select 1 from still))
    select exists (select 1 from still) as applied, r.known, r.rejected, r.quotes from respected r
  `);
  return { applied: result!.applied, respected: { known: result!.known, rejected: result!.rejected, quotes: result!.quotes } };
}
