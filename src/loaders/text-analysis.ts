/**
 * What the linking core finds in a text written for a story: its mentions
 * of catalog people and places and its quotes, with the people the story
 * already mentions counted as known (so a surname alone links to them).
 */
import { eq } from 'drizzle-orm';
import type { Access } from '../access.js';
import { entries, entryPeople } from '../db/schema.js';
import { type Mention, type Quote, findMentions, findQuotes } from '../linking/index.js';
import type { CatalogMatcher } from './catalog-matcher.js';

/** Longer than any entry body the API accepts. */
export const MAX_ANALYZED_TEXT = 20_000;
/** What one call costs at least, in characters of the caller's budget (ANALYZE_TEXT_CHARS_PER_MINUTE): each reads the story and builds an answer, whatever its text. */
export const ANALYZE_TEXT_MIN_CHARGE = 1_000;

export interface TextAnalysis {
  mentions: Mention[];
  quotes: Quote[];
}

export async function analyzeText(access: Access, linking: CatalogMatcher, story: { id: number; language: string }, text: string): Promise<TextAnalysis> {
  const [matcher, known] = await Promise.all([
    linking.matcher(),
    access.db.selectDistinct({ id: entryPeople.personId }).from(entryPeople).innerJoin(entries, eq(entries.id, entryPeople.entryId)).where(eq(entries.storyId, story.id)),
  ]);
  // The reading itself is a few milliseconds of one core: each analysis (an operation may alias several)
  // runs in a turn of the event loop of its own, so that other requests are answered between them.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const language = story.language.split('-')[0]!.toLowerCase();
  const mentions = findMentions(matcher, text, { language, knownPersonIds: known.map((k) => k.id) });
  return { mentions, quotes: findQuotes(text, mentions, { language }) };
}
