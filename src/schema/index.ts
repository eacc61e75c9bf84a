/** Assembles the schema: imports every type file, then builds. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './types/scalars.js';
import './types/story.js';
import './types/person.js';
import './types/place.js';
import './types/entry.js';
import './types/entry-mutations.js';
import './types/quote.js';
import './types/search.js';
import './types/text-analysis.js';
import './types/story-event.js';
import './types/live-blog-posting.js';
import './types/ninjs.js';
import './types/webhook.js';
import './types/node.js';

builder.queryType({ description: 'Reading the story graph. Anonymous readers see what is published; editors see drafts too.' });
builder.mutationType({
  description: 'Writing the story graph: for editors and admins only (send `Authorization: Bearer <token>`).',
  authScopes: { editor: true },
});

export const schema = builder.toSchema();

/** The SDL committed as schema/schema.graphql, sorted so that diffs show real changes only. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
