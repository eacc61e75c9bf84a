import type { PersonRow } from '../../db/schema.js';
import { notFound } from '../../errors.js';
import { readPage } from '../../loaders/pages.js';
import { type PersonStory, type RankedPerson, peopleByIds, peopleOrder, peoplePage, personBySlug, personStoryOrder, personStoryPages, storyPeopleOrder, storyPeoplePages } from '../../loaders/people.js';
import { createPerson, updatePerson } from '../../editing/catalog.js';
import { builder } from '../builder.js';
import { parseNodeId } from '../global-id.js';
import { undefinedIfNull } from '../inputs.js';
import { StoryRef } from './story.js';

export const PersonRef = builder.loadableNode('Person', {
  description: 'Someone the coverage mentions or quotes.',
  id: { resolve: (person: PersonRow) => person.id, parse: Number },
  load: (ids: number[], ctx) => peopleByIds(ctx, ids),
  sort: (person) => person.id,
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

export const PersonConnection = builder.connectionObject(
  { type: PersonRef, name: 'PersonConnection', description: 'A page of people.' },
  { name: 'PersonEdge', description: 'A person in a page of people.' },
);

const StoryPersonConnection = builder.connectionObject(
  { type: PersonRef, name: 'StoryPersonConnection', description: 'The people of a story, most mentioned first.' },
  {
    name: 'StoryPersonEdge',
    description: 'A person in a story, with how often the story mentions them.',
    fields: (t) => ({
      mentions: t.int({ description: 'Entries of the story that mention this person.', resolve: (edge) => (edge.node as RankedPerson).mentions }),
    }),
  },
);

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

builder.objectField(StoryRef, 'people', (t) =>
  t.loadable({
    type: StoryPersonConnection,
    description: 'People the story mentions, most mentioned first.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) => storyPeoplePages(ctx, ids, readPage(args, storyPeopleOrder)),
    resolve: (story) => story.id,
  }),
);

builder.objectField(PersonRef, 'stories', (t) =>
  t.loadable({
    type: PersonStoryConnection,
    description: 'Stories that mention this person, most recent mention first.',
    byPath: true,
    args: t.arg.connectionArgs(),
    load: async (ids: number[], ctx, args) => personStoryPages(ctx, ids, readPage(args, personStoryOrder)),
    resolve: (person) => person.id,
  }),
);

builder.queryFields((t) => ({
  person: t.field({
    type: PersonRef,
    nullable: true,
    description: 'One person by slug. An unknown slug is a NOT_FOUND error.',
    args: { slug: t.arg.string({ required: true, description: 'The person\'s slug, e.g. `dmitrij-peskov`.' }) },
    resolve: async (_root, args, ctx) => {
      const person = await personBySlug(ctx, args.slug);
      if (!person) throw notFound('slug', `No person with slug "${args.slug}".`);
      return person;
    },
  }),
  people: t.field({
    type: PersonConnection,
    description: 'People in alphabetical order, optionally those whose name starts with `namePrefix`.',
    args: {
      ...t.arg.connectionArgs(),
      namePrefix: t.arg.string({ description: 'Case-insensitive start of the name, e.g. "pes".' }),
    },
    resolve: (_root, args, ctx) => peoplePage(ctx, readPage(args, peopleOrder), { namePrefix: args.namePrefix?.trim() || null }),
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
