import { badUserInput } from '../../errors.js';
import { readPage } from '../../loaders/keyset.js';
import { type SearchHit, searchEntries, searchOrder } from '../../loaders/search.js';
import { builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { EntryRef } from './entry.js';

export const MAX_SEARCH_LENGTH = 200;

const SearchConnection = builder.connectionObject(
  { type: EntryRef, name: 'SearchConnection', description: 'Entries matching a search, best match first.' },
  {
    name: 'SearchEdge',
    description: 'A matching entry and how well it matches.',
    fields: (t) => ({
      rank: t.float({ description: 'Relevance (PostgreSQL ts_rank): higher is better.', resolve: (edge) => (edge.node as SearchHit).rank }),
    }),
  },
);

builder.queryField('search', (t) =>
  t.field({
    type: SearchConnection,
    description:
      'Full-text search over published entries (headline weighs more than body), each story analysed in its own language: Italian stories with Italian stemming, and so on. Accepts web-search syntax: "quoted phrases", or, -excluded.',
    args: {
      ...t.arg.connectionArgs(),
      query: t.arg.string({ required: true, description: `What to look for, 1 to ${MAX_SEARCH_LENGTH} characters.` }),
      story: t.arg.id({ description: 'Only in this story (global ID).' }),
    },
    resolve: (_root, args, ctx) => {
      const query = args.query.trim();
      if (query.length === 0) throw badUserInput('query', 'must not be empty');
      if (query.length > MAX_SEARCH_LENGTH) throw badUserInput('query', `must be at most ${MAX_SEARCH_LENGTH} characters`);
      const storyId = args.story == null ? null : parseNodeId(String(args.story), 'story', ['Story'] as const).id;
      return searchEntries(ctx, readPage(args, searchOrder, 'Query.search'), { query, storyId });
    },
  }),
);
