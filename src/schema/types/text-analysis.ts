/** Query.analyzeText: the people, places and quotes Diretta finds in a text, for the desk to review (src/linking). */
import { badUserInput, notFound } from '../../errors.js';
import type { Mention, Quote } from '../../linking/index.js';
import { ANALYZE_TEXT_MIN_CHARGE, MAX_ANALYZED_TEXT, type TextAnalysis, analyzeText } from '../../loaders/text-analysis.js';
import { builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { PersonRef } from './person.js';
import { PlaceRef } from './place.js';
import { StoryRef } from './story.js';


const MentionKindEnum = builder.enumType('MentionKind', {
  description: 'What a mention names.',
  values: { PERSON: { value: 'person', description: 'A person of the catalog.' }, PLACE: { value: 'place', description: 'A place of the catalog.' } } as const,
});

const MentionableUnion = builder.unionType('Mentionable', {
  description: 'Something an entry can mention: a Person or a Place.',
  types: [PersonRef, PlaceRef],
  resolveType: (row) => ('kind' in row ? 'Place' : 'Person'),
});

const MentionSuggestionRef = builder.objectRef<Mention>('MentionSuggestion').implement({
  description: 'A catalog person or place named in the text, by its name or one of its aliases.',
  fields: (t) => ({
    kind: t.field({ type: MentionKindEnum, description: 'Whether it names a person or a place.', resolve: (m) => m.kind }),
    target: t.field({
      type: MentionableUnion,
      description: 'The person or place named.',
      resolve: (m, _args, ctx) => (m.kind === 'person' ? PersonRef.getDataloader(ctx).load(m.id) : PlaceRef.getDataloader(ctx).load(m.id)),
    }),
    text: t.exposeString('text', { description: 'The words as written in the text.' }),
    start: t.exposeInt('start', { description: 'Offset of the first character in the text (UTF-16 code units, as JavaScript counts).' }),
    end: t.exposeInt('end', { description: 'Offset just after the last character.' }),
  }),
});

const QuoteSuggestionRef = builder.objectRef<Quote>('QuoteSuggestion').implement({
  description: 'Words the text quotes, with who said them when the text says so surely.',
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The quoted words, without their quotation marks.' }),
    speaker: t.field({
      type: PersonRef,
      nullable: true,
      description: 'The catalog person who said it; null whenever the text does not name exactly one (a misattributed quote is worse than none).',
      resolve: (q) => q.speakerId,
    }),
    attribution: t.exposeString('attribution', { nullable: true, description: 'Who said it, as the text describes someone outside the catalog ("il sindaco di Kiev", "Tass").' }),
    source: t.exposeString('source', { nullable: true, description: 'Where it was said, as the text puts it ("sul suo canale Telegram", "in a statement").' }),
    start: t.exposeInt('start', { description: 'Offset of the first quoted character in the text (UTF-16 code units).' }),
    end: t.exposeInt('end', { description: 'Offset just after the last quoted character.' }),
  }),
});

const TextAnalysisRef = builder.objectRef<TextAnalysis>('TextAnalysis').implement({
  description: 'What Diretta finds in a text written for a story, in the story\'s language.',
  fields: (t) => ({
    mentions: t.field({ type: [MentionSuggestionRef], description: 'People and places named, in text order; the longest name wins where names overlap, and an ambiguous name is left out.', resolve: (a) => a.mentions }),
    quotes: t.field({ type: [QuoteSuggestionRef], description: 'Quotations, in text order.', resolve: (a) => a.quotes }),
  }),
});

builder.queryField('analyzeText', (t) =>
  t.field({
    type: TextAnalysisRef,
    authScopes: { editor: true },
    description:
      'For editors: the people, places and quotes Diretta finds in a text written for a story — names and aliases matched whole-word, case- and accent-insensitive; surnames alone only for people the story already mentions or whom no one else in the catalog shares; quotes with their speaker only when the sentence names them surely.',
    args: {
      story: t.arg.id({ required: true, description: 'The story the text is written for: its language and the people it already mentions guide the analysis.' }),
      text: t.arg.string({
        required: true,
        description: `The text, up to ${MAX_ANALYZED_TEXT} characters. Each call (each alias) counts its length, at least ${ANALYZE_TEXT_MIN_CHARGE}, against the caller's budget of ANALYZE_TEXT_CHARS_PER_MINUTE characters a minute, charged for the whole operation before it runs; over it, the operation is refused with RATE_LIMITED (HTTP 429, retryAfter).`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.text.length > MAX_ANALYZED_TEXT) throw badUserInput('text', `must be at most ${MAX_ANALYZED_TEXT} characters`);
      const { id } = parseNodeId(String(args.story), 'story', ['Story'] as const);
      const story = await StoryRef.getDataloader(ctx).load(id);
      if (!story) throw notFound('story', 'No story with that ID.');
      return analyzeText(ctx, ctx.linking, story, args.text);
    },
  }),
);
