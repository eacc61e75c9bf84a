import type { QuoteRow } from '../../db/schema.js';
import { readPage } from '../../loaders/keyset.js';
import { entryQuoteLists, quoteOrder, quotesByIds, quotesPage, speakerQuotePages, storyQuotePages } from '../../loaders/quotes.js';
import { createQuote, decideQuote, updateQuote } from '../../editing/quotes.js';
import { type BuilderTypes, builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { searchArg, undefinedIfNull } from '../inputs.js';
import { EntryRef } from './entry.js';
import { PersonRef } from './person.js';
import { StoryRef } from './story.js';

const QuoteStatusEnum = builder.enumType('QuoteStatus', {
  description: 'Whether readers see a quote: linking suggests, an editor decides.',
  values: {
    CONFIRMED: { value: 'confirmed', description: 'Written or confirmed by an editor: readers see it.' },
    SUGGESTED: { value: 'suggested', description: 'Found in the entry\'s text by linking; only editors see it until one confirms it (confirmQuote) or rejects it (rejectQuote).' },
    REJECTED: { value: 'rejected', description: 'A suggestion an editor rejected: nobody sees it, and linking does not suggest it again.' },
  } as const,
});

export const QuoteRef = builder.loadableNode('Quote', {
  description: 'Words someone said, as an entry reports them.',
  id: { resolve: (quote: QuoteRow) => quote.id, parse: Number },
  load: (ids: number[], ctx) => quotesByIds(ctx, ids),
  sort: (quote) => quote.id,
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The quoted words, without quotation marks.' }),
    language: t.exposeString('language', { description: 'BCP 47 language tag of the text as published.' }),
    source: t.exposeString('source', { nullable: true, description: 'Outlet or channel it came through, e.g. "Izvestia", "Tass", "Telegram".' }),
    context: t.exposeString('context', { nullable: true, description: 'Circumstances, e.g. "in risposta alla domanda del quotidiano Izvestia".' }),
    attribution: t.string({
      description: 'Who said it, as printed: the speaker\'s name, or the institution when no person is named.',
      resolve: async (quote, _args, ctx) =>
        quote.speakerId === null ? (quote.attribution ?? '') : (quote.attribution ?? (await PersonRef.getDataloader(ctx).load(quote.speakerId)).name),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the quote was recorded.' }),
    status: t.field({ type: QuoteStatusEnum, description: 'CONFIRMED for every quote readers see; editors also see SUGGESTED ones, to review.', resolve: (quote) => quote.status }),
    speaker: t.field({
      type: PersonRef,
      nullable: true,
      description: 'The person who said it; null when an institution or outlet did (see `attribution`).',
      resolve: (quote, _args, ctx) => (quote.speakerId === null ? null : PersonRef.getDataloader(ctx).load(quote.speakerId)),
    }),
    entry: t.field({
      type: EntryRef,
      description: 'The entry that reports it.',
      resolve: (quote, _args, ctx) => EntryRef.getDataloader(ctx).load(quote.entryId),
    }),
    story: t.field({
      type: StoryRef,
      description: 'The story of that entry.',
      resolve: async (quote, _args, ctx) => StoryRef.getDataloader(ctx).load((await EntryRef.getDataloader(ctx).load(quote.entryId)).storyId),
    }),
  }),
});

export const QuoteConnection = builder.connectionObject(
  { type: QuoteRef, name: 'QuoteConnection', description: 'A page of quotes.' },
  { name: 'QuoteEdge', description: 'A quote in a page of quotes.' },
);

builder.objectField(EntryRef, 'quotes', (t) =>
  t.loadableList({
    type: QuoteRef,
    description: 'Quotes the entry reports, in the order it gives them (none for readers once it is retracted).',
    load: async (ids: number[], ctx) => {
      const lists = await entryQuoteLists(ctx, ids);
      // The speakers came with the quotes: `speaker { name }` needs no statement of its own.
      const speakers = PersonRef.getDataloader(ctx);
      for (const list of lists) for (const quote of list) if (quote.speaker) speakers.prime(quote.speaker.id, quote.speaker);
      return lists;
    },
    resolve: (entry) => entry.id,
  }),
);

builder.objectField(PersonRef, 'quotes', (t) =>
  t.loadable({
    type: QuoteConnection,
    description: 'What this person said, newest first, across stories.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) => {
      const pages = await speakerQuotePages(ctx, ids, readPage(args, quoteOrder, 'Person.quotes'));
      // The quotes' entries and stories came with them: `entry { … }` and `story { … }` need no statement of their own.
      const entries = EntryRef.getDataloader(ctx);
      const stories = StoryRef.getDataloader(ctx);
      for (const page of pages) {
        for (const { node } of page.edges) {
          entries.prime(node.entry.id, node.entry);
          stories.prime(node.story.id, node.story);
        }
      }
      return pages;
    },
    resolve: (person) => person.id,
  }),
);

builder.objectField(StoryRef, 'quotes', (t) =>
  t.loadable({
    type: QuoteConnection,
    description: 'Quotes in the story\'s entries, newest first.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) => storyQuotePages(ctx, ids, readPage(args, quoteOrder, 'Story.quotes')),
    resolve: (story) => story.id,
  }),
);

/** The descriptions of what a quote holds, shared by every input that writes one. */
export const quoteFieldDescriptions = {
  text: 'The quoted words, without quotation marks (up to 5000 characters).',
  speaker: 'The Person who said it.',
  attribution: 'Who said it when no person in the catalogue did (e.g. "Ministero della Difesa russo").',
  source: 'Outlet or channel it came through, e.g. "Tass".',
  context: 'Circumstances, e.g. "in conferenza stampa".',
};

/**
 * What a quote holds besides its words, as input fields: one definition for
 * createQuote, updateQuote and the quotes of createEntry (whose `text` differs
 * only in being required or not).
 */
export function quoteDetailFields(
  t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>,
  descriptions: Partial<typeof quoteFieldDescriptions> = {},
) {
  const d = { ...quoteFieldDescriptions, ...descriptions };
  return {
    speaker: t.id({ description: d.speaker }),
    attribution: t.string({ description: d.attribution }),
    source: t.string({ description: d.source }),
    context: t.string({ description: d.context }),
  };
}

const speakerId = (speaker: string | number | null | undefined) =>
  speaker === undefined ? undefined : speaker === null ? null : parseNodeId(String(speaker), 'input.speaker', ['Person']).id;

builder.relayMutationField(
  'createQuote',
  {
    description: 'Records a quote in an entry; tickers receive UPDATED for the entry.',
    inputFields: (t) => ({
      entry: t.id({ required: true, description: 'The entry that reports it.' }),
      text: t.string({ required: true, description: quoteFieldDescriptions.text }),
      ...quoteDetailFields(t),
      idempotencyKey: t.string({ description: 'Retrying with the same key returns the first result instead of creating twice.' }),
    }),
  },
  {
    description: 'Creates a quote (editors).',
    resolve: async (_root, { input }, ctx) => {
      const { entry, speaker, ...rest } = input;
      return { quote: await createQuote(ctx, parseNodeId(String(entry), 'input.entry', ['Entry']).id, { ...rest, speakerId: speakerId(speaker) }) };
    },
  },
  { description: 'The quote created.', outputFields: (t) => ({ quote: t.field({ type: QuoteRef, description: 'The new quote.', resolve: (p) => p.quote }) }) },
);

builder.relayMutationField(
  'updateQuote',
  {
    description: 'Corrects a quote; fields left out stay as they are. Tickers receive UPDATED for its entry.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The quote.' }),
      text: t.string({ description: quoteFieldDescriptions.text }),
      ...quoteDetailFields(t),
    }),
  },
  {
    description: 'Edits a quote (editors).',
    resolve: async (_root, { input }, ctx) => {
      const { id, speaker, ...rest } = input;
      return { quote: await updateQuote(ctx, parseNodeId(String(id), 'input.id', ['Quote']).id, { ...undefinedIfNull(rest, ['text']), speakerId: speakerId(speaker) }) };
    },
  },
  { description: 'The quote after the change.', outputFields: (t) => ({ quote: t.field({ type: QuoteRef, description: 'The quote.', resolve: (p) => p.quote }) }) },
);

builder.queryField('quotes', (t) =>
  t.field({
    type: QuoteConnection,
    description: 'Quotes across stories, newest first: by a speaker, in a story, containing some words. Readers see the confirmed quotes of published entries; editors also the suggestions linking made.',
    args: {
      ...t.arg.connectionArgs(),
      speaker: t.arg.id({ description: 'Only what this Person said.' }),
      story: t.arg.id({ description: 'Only quotes in this Story.' }),
      search: t.arg.string({ description: 'Only quotes containing these words, case- and accent-insensitive (up to 200 characters).' }),
    },
    resolve: (_root, args, ctx) =>
      quotesPage(ctx, readPage(args, quoteOrder, 'Query.quotes'), {
        speakerId: args.speaker == null ? null : parseNodeId(String(args.speaker), 'speaker', ['Person']).id,
        storyId: args.story == null ? null : parseNodeId(String(args.story), 'story', ['Story']).id,
        search: searchArg(args.search),
      }),
  }),
);

for (const [name, status] of [
  ['confirmQuote', 'confirmed'],
  ['rejectQuote', 'rejected'],
] as const) {
  builder.relayMutationField(
    name,
    {
      description:
        status === 'confirmed'
          ? 'Confirms a quote linking suggested: readers see it from now on (correct it first with updateQuote if it needs it). Tickers receive UPDATED for its entry.'
          : 'Rejects a quote linking suggested: nobody sees it, and linking does not suggest it again for that entry.',
      inputFields: (t) => ({ id: t.id({ required: true, description: 'The suggested quote.' }) }),
    },
    {
      description: `${status === 'confirmed' ? 'Confirms' : 'Rejects'} a suggested quote (editors).`,
      resolve: async (_root, { input }, ctx) => ({ quote: await decideQuote(ctx, parseNodeId(String(input.id), 'input.id', ['Quote']).id, status) }),
    },
    { description: 'The quote after the decision.', outputFields: (t) => ({ quote: t.field({ type: QuoteRef, description: 'The quote.', resolve: (p) => p.quote }) }) },
  );
}
