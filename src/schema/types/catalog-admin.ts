/** Admin-only catalogue mutations: deleting a person or a place that nothing refers to. */
import { deletePerson, deletePlace } from '../../editing/catalog-admin.js';
import { builder } from '../builder.js';
import { parseNodeId } from '../global-id.js';

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
