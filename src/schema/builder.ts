/**
 * The SchemaBuilder and its plugins; it defines no types (those live in
 * ./types, one file per GraphQL type, and ./index.ts assembles them).
 */
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { Context } from '../context.js';
import { clientError } from '../errors.js';
import { canSeeUnpublished } from '../viewer.js';
import { decodeGlobalId, encodeGlobalId } from '../global-id.js';
import { assertNodeType } from './global-id.js';

export interface AuthScopes {
  /** Editors and admins: they write, and they see drafts. */
  editor: boolean;
  admin: boolean;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // scope-auth first so that no other plugin's wrapper runs before authorisation.
  plugins: [ScopeAuthPlugin, RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      editor: canSeeUnpublished(ctx.viewer),
      admin: ctx.viewer.role === 'admin',
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer.subject === null
        ? clientError('UNAUTHENTICATED', 'This operation needs an editor token: send "Authorization: Bearer <token>".')
        : clientError('FORBIDDEN', `Your role (${ctx.viewer.role}) is not allowed to do this.`),
  },
  relay: {
    clientMutationId: 'omit',
    mutationInputArgOptions: { description: 'What to change; see the input type for each field.' },
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: (globalId) => decodeGlobalId(globalId, 'id'),
    edgesFieldOptions: { nullable: false, description: 'The items of this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The item at this edge.' },
    nodeTypeOptions: { description: 'An object with a globally unique, opaque ID that `node` and `nodes` can fetch again.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its connection, and the cursors to move from it.' },
    nodeQueryOptions: {
      description: 'Fetches any object by its global ID; null when it does not exist or is not visible to you.',
      args: { id: { description: 'A global ID, as returned by any `id` field.' } },
      resolve: (_root, args, _ctx, info, resolveNode) => {
        assertNodeType(info.schema, args.id.typename, 'id');
        return resolveNode(args.id);
      },
    },
    pageInfoFieldOptions: { description: 'Where this page sits, and the cursors to move from it.' },
    // `nodes` is defined in ./types/node.ts, where it caps how many IDs one call may ask for.
    nodesQueryOptions: false,
    idFieldOptions: { description: 'Globally unique, opaque identifier.' },
    nodesOnConnection: { description: 'The items of this page, without their cursors.' },
    cursorFieldOptions: { description: 'Opaque position of this edge; pass it as `after` or `before`.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page (best effort when paging forwards).' },
    startCursorFieldOptions: { description: 'Cursor of the first edge of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge of the page.' },
    firstArgOptions: { description: 'Return at most this many items from the start (or after `after`); 0 to 100, default 20.' },
    lastArgOptions: { description: 'Return at most this many items from the end (or before `before`); 0 to 100.' },
    afterArgOptions: { description: 'Cursor of the edge after which the page starts.' },
    beforeArgOptions: { description: 'Cursor of the edge before which the page ends.' },
  },
});

/** The builder's SchemaTypes, for helpers that take field builders as parameters. */
export type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
