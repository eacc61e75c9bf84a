/** What editors do to entries: write, edit, publish, retract, pin, mark, link. */
import { createEntry, pinEntry, publishEntry, retractEntry, setKeyEvent, unpinEntry, updateEntry } from '../../editing/entries.js';
import { setMention } from '../../editing/mentions.js';
import { takeDownEntry } from '../../editing/takedown.js';
import type { EntryRow } from '../../db/schema.js';
import { type BuilderTypes, builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { undefinedIfNull } from '../inputs.js';
import { BylineKindEnum, EntryRef } from './entry.js';
import { imageInputFields } from './image.js';
import { quoteDetailFields, quoteFieldDescriptions } from './quote.js';

const QuoteInput = builder.inputType('QuoteInput', {
  description: 'A quote to record with an entry: who said what, through which outlet.',
  // The catalogue wording of `attribution` differs here only to keep the published SDL as it was.
  fields: (t) => ({
    text: t.string({ required: true, description: quoteFieldDescriptions.text }),
    ...quoteDetailFields(t, { attribution: 'Who said it, when it is not a person in the catalogue (e.g. "Ministero della Difesa russo").' }),
  }),
});

const EntryMediaInput = builder.inputType('EntryMediaInput', {
  description: 'An image to show with an entry.',
  fields: imageInputFields,
});

const entryPayload = {
  description: 'The entry after the change.',
  outputFields: (t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, { entry: EntryRow }>) => ({
    entry: t.field({ type: EntryRef, description: 'The entry.', resolve: (p) => p.entry }),
  }),
};

const entryId = (id: string | number, field = 'input.id') => parseNodeId(String(id), field, ['Entry']).id;
const ids = (values: readonly (string | number)[] | null | undefined, field: string, type: 'Person' | 'Place') =>
  (values ?? []).map((v, i) => parseNodeId(String(v), `${field}.${i}`, [type]).id);

builder.relayMutationField(
  'createEntry',
  {
    description: 'A new entry in a story, published at once unless `publish` is false.',
    inputFields: (t) => ({
      story: t.id({ required: true, description: 'The story to write into.' }),
      headline: t.string({ required: true, description: 'Short title, up to 200 characters.' }),
      body: t.string({ required: true, description: 'The text, up to 20000 characters.' }),
      author: t.string({ description: 'Byline; defaults to the editor\'s display name from the token (its `name` claim), else none.' }),
      bylineKind: t.field({ type: BylineKindEnum, description: 'Whether the byline names a person or a desk; left out, it is guessed from the name (see `Entry.bylineKind`).' }),
      publish: t.boolean({ defaultValue: true, description: 'Publish now (default) or keep as a draft that only editors see.' }),
      publishAt: t.field({
        type: 'DateTime',
        description: 'Hold the entry until this time (an embargo): it is SCHEDULED, invisible to readers everywhere, and published once, by itself, when the time comes.',
      }),
      keyEvent: t.boolean({ defaultValue: false, description: 'Mark it as a key event of the story.' }),
      people: t.idList({ description: 'People it mentions.' }),
      places: t.idList({ description: 'Places it mentions.' }),
      quotes: t.field({ type: [QuoteInput], description: 'Quotes it reports.' }),
      autoLink: t.boolean({ defaultValue: true, description: 'Link the people and places its text names and suggest the quotes it holds (default); false turns linking off for this entry.' }),
      media: t.field({ type: [EntryMediaInput], description: 'Images to show with it, in order (at most 10).' }),
      idempotencyKey: t.string({ description: 'Any unique string: retrying with the same key returns the first entry instead of creating a second.' }),
    }),
  },
  {
    description: 'Writes an entry (editors). Live tickers receive PUBLISHED (or, for editors, DRAFTED).',
    resolve: async (_root, { input }, ctx) => ({
      entry: await createEntry(ctx, {
        storyId: parseNodeId(String(input.story), 'input.story', ['Story']).id,
        headline: input.headline,
        body: input.body,
        author: input.author,
        bylineKind: input.bylineKind,
        publish: input.publish ?? true,
        publishAt: input.publishAt,
        keyEvent: input.keyEvent ?? false,
        peopleIds: ids(input.people, 'input.people', 'Person'),
        placeIds: ids(input.places, 'input.places', 'Place'),
        quotes: (input.quotes ?? []).map((q, i) => ({
          ...q,
          speakerId: q.speaker == null ? null : parseNodeId(String(q.speaker), `input.quotes.${i}.speaker`, ['Person']).id,
        })),
        autoLink: input.autoLink ?? true,
        media: input.media ?? undefined,
        idempotencyKey: input.idempotencyKey,
      }),
    }),
  },
  entryPayload,
);

builder.relayMutationField(
  'updateEntry',
  {
    description: 'Edits an entry: the revision goes up and tickers receive UPDATED.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The entry.' }),
      headline: t.string({ description: 'New headline.' }),
      body: t.string({ description: 'New text.' }),
      author: t.string({ description: 'New byline.' }),
      bylineKind: t.field({ type: BylineKindEnum, description: 'Whether the byline names a person or a desk; null goes back to guessing from the name.' }),
      correctionNote: t.string({ description: 'Public note explaining the correction; an empty string clears it.' }),
      media: t.field({ type: [EntryMediaInput], description: 'The entry\'s images from now on, replacing the list; an empty list removes them.' }),
      expectedRevision: t.int({ description: 'The revision you edited; if someone changed the entry since, the edit is refused with CONFLICT.' }),
      autoLink: t.boolean({ description: 'Turn linking on or off for this entry from now on; left out, it stays as it was. With it on, a new text is linked again (links and quote decisions an editor made are kept).' }),
    }),
  },
  {
    description: 'Edits an entry (editors).',
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return { entry: await updateEntry(ctx, { id: entryId(id), ...undefinedIfNull(changes, ['headline', 'body']) }) };
    },
  },
  entryPayload,
);

const byId = (description: string) => ({
  description,
  inputFields: (t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) => ({
    id: t.id({ required: true, description: 'The entry.' }),
  }),
});

builder.relayMutationField(
  'publishEntry',
  byId('Publishes a draft: it goes to the top of the story and tickers receive PUBLISHED.'),
  { description: 'Publishes a draft (editors).', resolve: async (_root, { input }, ctx) => ({ entry: await publishEntry(ctx, entryId(input.id)) }) },
  entryPayload,
);

builder.relayMutationField(
  'retractEntry',
  {
    description: 'Withdraws a published entry: a tombstone stays in the story, its body is gone for readers; tickers receive RETRACTED.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The entry.' }),
      correctionNote: t.string({ description: 'Public note explaining why it was withdrawn.' }),
    }),
  },
  { description: 'Retracts an entry (editors).', resolve: async (_root, { input }, ctx) => ({ entry: await retractEntry(ctx, entryId(input.id), input.correctionNote) }) },
  entryPayload,
);

builder.relayMutationField(
  'pinEntry',
  byId('Pins a published entry on top of its story; the entry pinned before comes down (tickers receive UNPINNED, then PINNED).'),
  { description: 'Pins an entry (editors).', resolve: async (_root, { input }, ctx) => ({ entry: await pinEntry(ctx, entryId(input.id)) }) },
  entryPayload,
);

builder.relayMutationField(
  'unpinEntry',
  byId('Takes an entry down from the top of its story.'),
  { description: 'Unpins an entry (editors).', resolve: async (_root, { input }, ctx) => ({ entry: await unpinEntry(ctx, entryId(input.id)) }) },
  entryPayload,
);

builder.relayMutationField(
  'setKeyEvent',
  {
    description: 'Marks an entry as a key event of its story, or clears the mark.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The entry.' }),
      keyEvent: t.boolean({ required: true, description: 'True to mark, false to clear.' }),
    }),
  },
  { description: 'Sets or clears the key-event mark (editors).', resolve: async (_root, { input }, ctx) => ({ entry: await setKeyEvent(ctx, entryId(input.id), input.keyEvent) }) },
  entryPayload,
);

for (const [name, linked] of [
  ['linkMention', true],
  ['unlinkMention', false],
] as const) {
  builder.relayMutationField(
    name,
    {
      description: linked ? 'Records that an entry mentions a person or a place.' : 'Removes a person or place from an entry\'s mentions.',
      inputFields: (t) => ({
        entry: t.id({ required: true, description: 'The entry.' }),
        target: t.id({ required: true, description: 'The Person or Place.' }),
      }),
    },
    {
      description: `${linked ? 'Links' : 'Unlinks'} a mention (editors); tickers receive UPDATED.`,
      resolve: async (_root, { input }, ctx) => ({
        entry: await setMention(ctx, entryId(input.entry, 'input.entry'), parseNodeId(String(input.target), 'input.target', ['Person', 'Place'] as const), linked),
      }),
    },
    entryPayload,
  );
}

builder.relayMutationField(
  'takeDownEntry',
  {
    description: 'Legal takedown: erases an entry\'s text, its revisions\' text, its quotes and mentions from the database and from the event log\'s stored states; a tombstone with the reason stays, and tickers receive TAKEN_DOWN.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The entry.' }),
      reason: t.string({ required: true, description: 'The public reason, e.g. "Removed on a court order of 3 January 2026"; up to 1000 characters.' }),
    }),
  },
  {
    description: 'Takes an entry down for legal reasons (admins only).',
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => ({ entry: await takeDownEntry(ctx, entryId(input.id), input.reason) }),
  },
  entryPayload,
);
