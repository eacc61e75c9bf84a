/**
 * The API's side of global IDs (the codec itself is src/global-id.ts):
 * whether an ID names a type that `node` can fetch.
 */
import { type GraphQLSchema, isInterfaceType } from 'graphql';
import { badUserInput } from '../errors.js';
import { truncate } from '../global-id.js';

/**
 * Refuses an ID whose type is not one `node` can fetch (an unknown type, or
 * a type without IDs), naming the argument, rather than letting the Relay
 * plugin answer "Banana has not been implemented".
 */
export function assertNodeType(schema: GraphQLSchema, typename: string, field: string): void {
  const node = schema.getType('Node');
  const nodeTypes = isInterfaceType(node) ? schema.getImplementations(node).objects.map((t) => t.name) : [];
  if (!nodeTypes.includes(typename)) {
    throw badUserInput(field, `"${truncate(typename)}" is not a type with IDs (IDs are of ${nodeTypes.sort().join(', ')})`);
  }
}
