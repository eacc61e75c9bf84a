/** Admin-only catalogue mutations: deleting a person or a place that nothing refers to, merging two that are one. */
import { deletePerson, deletePlace } from '../../editing/catalog-admin.js';
import { mergePeople, mergePlaces } from '../../editing/catalog-merge.js';
import { type BuilderTypes, builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { PersonRef } from './person.js';
import { PlaceRef } from './place.js';

for (const [name, type, noun, remove] of [
  ['deletePerson', 'Person', 'person', deletePerson],
  ['deletePlace', 'Place', 'place', deletePlace],
] as const) {
  builder.relayMutationField(
    name,
    {
      description: `Deletes a ${noun} that no entry mentions${type === 'Person' ? ' and no quote names as speaker' : ' and no place lies inside'}; otherwise BAD_USER_INPUT lists the links.`,
      inputFields: (t) => ({ id: t.id({ required: true, description: `The ${noun}.` }) }),
    },
    {
      description: `Deletes a ${noun} (admins only).`,
      authScopes: { admin: true },
      resolve: async (_root, { input }, ctx) => {
        const row = await remove(ctx, parseNodeId(String(input.id), 'input.id', [type]).id);
        return { deletedId: input.id, name: row.name };
      },
    },
    {
      description: `The ${noun} deleted.`,
      outputFields: (t) => ({
        deletedId: t.id({ description: `The global ID the ${noun} had.`, resolve: (p: { deletedId: string | number }) => String(p.deletedId) }),
        name: t.string({ description: 'Its name, for the record.', resolve: (p: { name: string }) => p.name }),
      }),
    },
  );
}

const mergeInput = (noun: string) => ({
  description: `Which ${noun} stays (the winner) and which one goes into it (the loser).`,
  inputFields: (t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) => ({
    winner: t.id({ required: true, description: `The ${noun} that stays.` }),
    loser: t.id({ required: true, description: `The ${noun} merged into the winner and deleted; its ID and slug resolve to the winner from then on.` }),
  }),
});
const mergeDescription = (noun: string, moves: string) =>
  `Merges two ${noun === 'person' ? 'people' : 'places'} that are one ${noun} (admins only): ${moves} move to the winner, the loser's name and aliases become the winner's aliases, its ${noun === 'person' ? 'Wikidata id fills' : 'Wikidata and GeoNames ids fill'} the winner's if it has none, and the loser is deleted; its ID and slug resolve to the winner. Merging again a loser already merged into the same winner answers the same.`;
const parseMerge = (input: { winner: string | number; loser: string | number }, type: 'Person' | 'Place') =>
  [parseNodeId(String(input.winner), 'input.winner', [type]).id, parseNodeId(String(input.loser), 'input.loser', [type]).id] as const;

builder.relayMutationField(
  'mergePeople',
  mergeInput('person'),
  {
    description: mergeDescription('person', 'entry mentions (an entry mentioning both keeps one) and quotes'),
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => {
      const [winner, loser] = parseMerge(input, 'Person');
      return { person: (await mergePeople(ctx, winner, loser)).winner, mergedId: String(input.loser) };
    },
  },
  {
    description: 'The person after the merge.',
    outputFields: (t) => ({
      person: t.field({ type: PersonRef, description: 'The winner, with the loser’s mentions, quotes and names.', resolve: (p) => p.person }),
      mergedId: t.id({ description: 'The global ID the loser had (it now resolves to the winner).', resolve: (p) => p.mergedId }),
    }),
  },
);

builder.relayMutationField(
  'mergePlaces',
  mergeInput('place'),
  {
    description: `${mergeDescription('place', 'entry mentions (an entry mentioning both keeps one) and the places inside the loser')} Refused when the winner lies inside the loser.`,
    authScopes: { admin: true },
    resolve: async (_root, { input }, ctx) => {
      const [winner, loser] = parseMerge(input, 'Place');
      return { place: (await mergePlaces(ctx, winner, loser)).winner, mergedId: String(input.loser) };
    },
  },
  {
    description: 'The place after the merge.',
    outputFields: (t) => ({
      place: t.field({ type: PlaceRef, description: 'The winner, with the loser’s mentions, places and names.', resolve: (p) => p.place }),
      mergedId: t.id({ description: 'The global ID the loser had (it now resolves to the winner).', resolve: (p) => p.mergedId }),
    }),
  },
);
