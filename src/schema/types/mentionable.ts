/**
 * What Person and Place share in the schema, defined once for both kinds:
 * their page of results, the story's most mentioned, and the look-up by
 * slug. The kind-specific fields stay in ./person.ts and ./place.ts.
 */
import type { ObjectRef } from '@pothos/core';
import type { MentionableKind, MentionableRow } from '../../db/mentionables.js';
import { notFound } from '../../errors.js';
import { readPage } from '../../loaders/keyset.js';
import { type RankedMentionable, mentionableBySlug, storyMentionOrder, storyMentionPages } from '../../loaders/mentionables.js';
import { type BuilderTypes, builder } from '../builder.js';
import { StoryRef } from './story.js';

interface Words {
  /** `person`, `place`: the query field and the noun in descriptions. */
  one: string;
  /** `people`, `places`: the story's field. */
  many: string;
  example: string;
  /** How descriptions refer to one of them: `them`, `it`. */
  pronoun: string;
}

/** `ref` is the kind's loadable node: its fields may resolve to a row or to an id it loads. */
export function mentionableFields(kind: MentionableKind, ref: ObjectRef<BuilderTypes, MentionableRow<MentionableKind> | number>, words: Words) {
  const connection = builder.connectionObject(
    { type: ref, name: `${kind}Connection`, description: `A page of ${words.many}.` },
    { name: `${kind}Edge`, description: `A ${words.one} in a page of ${words.many}.` },
  );

  const storyConnection = builder.connectionObject(
    { type: ref, name: `Story${kind}Connection`, description: `The ${words.many} of a story, most mentioned first.` },
    {
      name: `Story${kind}Edge`,
      description: `A ${words.one} in a story, with how often the story mentions ${words.pronoun}.`,
      fields: (t) => ({
        mentions: t.int({ description: `Entries of the story that mention this ${words.one}.`, resolve: (edge) => (edge.node as RankedMentionable<MentionableKind>).mentions }),
      }),
    },
  );

  builder.objectField(StoryRef, words.many, (t) =>
    t.loadable({
      type: storyConnection,
      description: `${words.many[0]!.toUpperCase()}${words.many.slice(1)} the story mentions, most mentioned first.`,
      byPath: true,
      args: t.arg.connectionArgs(),
      load: async (ids: number[], ctx, args) => storyMentionPages(ctx, kind, ids, readPage(args, storyMentionOrder(kind), `Story.${words.many}`)),
      resolve: (story) => story.id,
    }),
  );

  builder.queryField(words.one, (t) =>
    t.field({
      type: ref,
      nullable: true,
      description: `One ${words.one} by slug. An unknown slug is a NOT_FOUND error.`,
      args: { slug: t.arg.string({ required: true, description: `The ${words.one}'s slug, e.g. \`${words.example}\`.` }) },
      resolve: async (_root, args, ctx) => {
        const found = await mentionableBySlug(ctx, kind, args.slug);
        if (!found) throw notFound('slug', `No ${words.one} with slug "${args.slug}".`);
        return found;
      },
    }),
  );

  return { connection };
}
