import type { QuoteRow } from '../../db/schema.js';
import { readPage } from '../../loaders/keyset.js';
import { entryQuoteLists, quoteOrder, quotesByIds, speakerQuotePages, storyQuotePages } from '../../loaders/quotes.js';
import { createQuote, updateQuote } from '../../editing/quotes.js';
import { type BuilderTypes, builder } from '../builder.js';
import { parseNodeId } from '../global-id.js';
import { undefinedIfNull } from '../inputs.js';
import { EntryRef } from './entry.js';
import { PersonRef } from './person.js';
import { StoryRef } from './story.js';

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
      // The quotes' entries came with them: `entry { … }` and `story` need no entry statement of their own.
      const entries = EntryRef.getDataloader(ctx);
      for (const page of pages) for (const edge of page.edges) entries.prime(edge.node.entry.id, edge.node.entry);
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
