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

export interface TextAnalysis {
  mentions: Mention[];
  quotes: Quote[];
}

export async function analyzeText(access: Access, linking: CatalogMatcher, story: { id: number; language: string }, text: string): Promise<TextAnalysis> {
  const [matcher, known] = await Promise.all([
    linking.matcher(),
    access.db.selectDistinct({ id: entryPeople.personId }).from(entryPeople).innerJoin(entries, eq(entries.id, entryPeople.entryId)).where(eq(entries.storyId, story.id)),
  ]);
  const language = story.language.split('-')[0]!.toLowerCase();
  const mentions = findMentions(matcher, text, { language, knownPersonIds: known.map((k) => k.id) });
  return { mentions, quotes: findQuotes(text, mentions, { language }) };
}
