/**
 * What Person and Place share in the schema, defined once for both kinds:
 * their page of results, the story's most mentioned, the look-up by slug,
 * and loading them as nodes (both following merges). The kind-specific fields stay in ./person.ts and ./place.ts.
 */
import type { ObjectRef } from '@pothos/core';
import type { MentionableKind, MentionableRow } from '../../db/mentionables.js';
import { notFound } from '../../errors.js';
import { readPage } from '../../loaders/keyset.js';
import type { Context } from '../../context.js';
import {
  type RankedMentionable,
  mentionableByMergedSlug,
  mentionableBySlug,
  mentionablesByIdsFollowingMerges,
  storyMentionOrder,
  storyMentionPages,
} from '../../loaders/mentionables.js';
import { type BuilderTypes, builder } from '../builder.js';
import { StoryRef } from './story.js';

/**
 * The load of the Person or Place node: rows in the order of `ids`, an id
 * merged into another answering with the row it was merged into, so that
 * `node(id:)` of a merged-away person gives the one it became. Null where
 * there is no row, as Pothos' own `sort` gives (its types leave the null out).
 */
export const loadFollowingMerges =
  <K extends MentionableKind>(kind: K) =>
  async (ids: number[], ctx: Context) =>
    (await mentionablesByIdsFollowingMerges(ctx, kind, ids)) as MentionableRow<K>[];

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
      description: `One ${words.one} by slug; the slug of a ${words.one} merged into another gives that other one. An unknown slug is a NOT_FOUND error.`,
      args: { slug: t.arg.string({ required: true, description: `The ${words.one}'s slug, e.g. \`${words.example}\`.` }) },
      resolve: async (_root, args, ctx) => {
        const found = (await mentionableBySlug(ctx, kind, args.slug)) ?? (await mentionableByMergedSlug(ctx, kind, args.slug));
        if (!found) throw notFound('slug', `No ${words.one} with slug "${args.slug}".`);
        return found;
      },
    }),
  );

  return { connection };
}
