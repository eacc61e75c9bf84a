/**
 * Linking: what an entry's text names (catalog people and places) and quotes
 * (with their speaker when the text says so surely). Pure functions over a
 * matcher built once per catalog; no database, no GraphQL — callers wire them
 * to the catalog, to analyzeText and to publishing.
 */
export { buildMatcher, buildMatcherInSlices, findMentions, type Catalog, type CatalogPerson, type CatalogPlace, type FindMentionsOptions, type Matcher, type Mention, type MentionKind } from './matcher.js';
export { findQuotes, type FindQuotesOptions, type Quote } from './quotes.js';
