import type { PersonRow } from '../../db/schema.js';
import { readPage } from '../../loaders/keyset.js';
import { MAX_SEARCH, mentionablesPage, nameOrAliasContains, nameOrder, nameStartsWith } from '../../loaders/mentionables.js';
import { type PersonStory, personStoryOrder, personStoryPages } from '../../loaders/people.js';
import { createPerson, updatePerson } from '../../editing/catalog.js';
import { builder } from '../builder.js';
import { loadFollowingMerges, mentionableFields } from './mentionable.js';
import { parseNodeId } from '../../global-id.js';
import { searchArg, undefinedIfNull } from '../inputs.js';
import { StoryRef } from './story.js';

export const PersonRef = builder.loadableNode('Person', {
  description: 'Someone the coverage mentions or quotes.',
  id: { resolve: (person: PersonRow) => person.id, parse: Number },
  load: loadFollowingMerges('Person'),
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Unique, URL-friendly name, e.g. `dmitrij-peskov`.' }),
    name: t.exposeString('name', { description: 'Name as the newsroom writes it.' }),
    aliases: t.exposeStringList('aliases', { description: 'Other spellings and transliterations.' }),
    description: t.exposeString('description', { nullable: true, description: 'Role, e.g. "portavoce del Cremlino".' }),
    wikidataId: t.exposeString('wikidataId', { nullable: true, description: 'Wikidata item, e.g. `Q22686`.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the person was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the person was last changed.' }),
  }),
});

export const { connection: PersonConnection } = mentionableFields('Person', PersonRef, { one: 'person', many: 'people', example: 'dmitrij-peskov', pronoun: 'them' });

const PersonStoryConnection = builder.connectionObject(
  { type: StoryRef, name: 'PersonStoryConnection', description: 'The stories that mention a person, most recent mention first.' },
  {
    name: 'PersonStoryEdge',
    description: 'A story that mentions the person.',
    fields: (t) => ({
      mentions: t.int({ description: 'Entries of the story that mention the person.', resolve: (edge) => (edge.node as PersonStory).mentions }),
      lastMentionedAt: t.field({ type: 'DateTime', description: 'When the latest of those entries was published.', resolve: (edge) => (edge.node as PersonStory).lastMentionedAt }),
    }),
  },
);

builder.objectField(PersonRef, 'stories', (t) =>
  t.loadable({
    type: PersonStoryConnection,
    description: 'Stories that mention this person, most recent mention first.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) => personStoryPages(ctx, ids, readPage(args, personStoryOrder, 'Person.stories')),
    resolve: (person) => person.id,
  }),
);

builder.queryFields((t) => ({
  people: t.field({
    type: PersonConnection,
    description: 'People in alphabetical order, optionally those whose name starts with `namePrefix` or whose name or an alias contains `search`.',
    args: {
      ...t.arg.connectionArgs(),
      namePrefix: t.arg.string({ description: 'Case-insensitive start of the name, e.g. "pes".' }),
      search: t.arg.string({ description: `Words anywhere in the name or an alias, case- and accent-insensitive ("peskov" finds "Dmitrij Peskòv"); up to ${MAX_SEARCH} characters.` }),
    },
    resolve: (_root, args, ctx) => {
      const prefix = args.namePrefix?.trim();
      const search = searchArg(args.search);
      return mentionablesPage(ctx, 'Person', readPage(args, nameOrder('Person'), 'Query.people'), [
        prefix ? nameStartsWith('Person', prefix) : undefined,
        search ? nameOrAliasContains('Person', search) : undefined,
      ]);
    },
  }),
}));

const personInputFields = {
  name: 'Name as the newsroom writes it, up to 200 characters.',
  aliases: 'Other spellings and transliterations (at most 20).',
  description: 'Role, e.g. "portavoce del Cremlino"; an empty string clears it.',
  wikidataId: 'Wikidata item, e.g. `Q22686`.',
};

builder.relayMutationField(
  'createPerson',
  {
    description: 'A new person entries can mention and quotes can attribute.',
    inputFields: (t) => ({
      slug: t.string({ required: true, description: 'Unique, URL-friendly name, e.g. `dmitrij-peskov`.' }),
      name: t.string({ required: true, description: personInputFields.name }),
      aliases: t.stringList({ description: personInputFields.aliases }),
      description: t.string({ description: personInputFields.description }),
      wikidataId: t.string({ description: personInputFields.wikidataId }),
      idempotencyKey: t.string({ description: 'Retrying with the same key returns the first result instead of creating twice.' }),
    }),
  },
  { description: 'Creates a person (editors).', resolve: async (_root, { input }, ctx) => ({ person: await createPerson(ctx, undefinedIfNull(input, ['aliases'])) }) },
  { description: 'The person created.', outputFields: (t) => ({ person: t.field({ type: PersonRef, description: 'The new person.', resolve: (p) => p.person }) }) },
);

builder.relayMutationField(
  'updatePerson',
  {
    description: 'Changes to a person; fields left out stay as they are.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The person.' }),
      slug: t.string({ description: 'New slug.' }),
      name: t.string({ description: personInputFields.name }),
      aliases: t.stringList({ description: personInputFields.aliases }),
      description: t.string({ description: personInputFields.description }),
      wikidataId: t.string({ description: personInputFields.wikidataId }),
    }),
  },
  {
    description: 'Edits a person (editors).',
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return { person: await updatePerson(ctx, parseNodeId(String(id), 'input.id', ['Person']).id, undefinedIfNull(changes, ['slug', 'name', 'aliases'])) };
    },
  },
  { description: 'The person after the change.', outputFields: (t) => ({ person: t.field({ type: PersonRef, description: 'The person.', resolve: (p) => p.person }) }) },
);
