/**
 * What a cached answer depends on, so that a story event drops only the
 * answers it can have changed. An answer whose root fields are all
 * `story(…)`, and that reads no list of a person or a place (those reach
 * into other stories), depends on the stories its `story` fields resolved,
 * which the resolver records in the context's cache scope. Any other answer
 * (story lists, people, search, node look-ups) depends on everything, and
 * every story event drops it.
 */
import { type DocumentNode, type GraphQLSchema, Kind, TypeInfo, getNamedType, getNullableType, getOperationAST, isListType, visit, visitWithTypeInfo } from 'graphql';

/** Per operation: the stories its `story` root fields resolved (src/schema/types/story.ts). */
export interface CacheScope {
  stories: Set<number>;
}

const CROSS_STORY_PARENTS = new Set(['Person', 'Place']);

export function isStoryScoped(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query') return false;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || (selection.name.value !== 'story' && selection.name.value !== '__typename')) return false;
  }
  let scoped = true;
  const typeInfo = new TypeInfo(schema);
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field || !CROSS_STORY_PARENTS.has(parent.name)) return;
        // A person's or a place's entries, stories, quotes…: pages that span stories.
        if (isListType(getNullableType(field.type)) || getNamedType(field.type).name.endsWith('Connection')) scoped = false;
      },
      // Fragments are followed through their spreads only when inline: a named fragment counts as unknown.
      FragmentSpread() {
        scoped = false;
      },
    }),
  );
  return scoped;
}
