/**
 * How deep an operation nests, counted the way a client writes it: fields
 * only. A fragment (named or inline) adds no level of its own, so a page
 * written the Relay way, one fragment per component, is as deep as the same
 * page written out in one piece. graphql-armor's depth rule added a level
 * for every fragment spread (a Relay story page of 9 levels of fields
 * counted 15) and named no path.
 *
 * Each named fragment is measured once and remembered, so a document that
 * spreads the same fragment many times costs one walk of it; a fragment
 * that spreads itself (refused by validation anyway) counts once.
 */
import { type ASTVisitor, type FieldNode, type FragmentDefinitionNode, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';

export interface DeepestPath {
  /** Fields on the longest path from the operation's root to a leaf (`{ story { title } }` is 2). */
  depth: number;
  /** The response keys along it (aliases where given), fragments left out. */
  path: string[];
  /** The field at its end, where the error points. */
  leaf: FieldNode | null;
}

const NONE: DeepestPath = { depth: 0, path: [], leaf: null };

/** Introspection is exempt, as graphql-armor had it: the schema is finite, and the cost limit still counts its lists. */
const EXEMPT_FIELDS = new Set(['__schema']);

export function deepestPath(selectionSet: SelectionSetNode, fragmentNamed: (name: string) => FragmentDefinitionNode | undefined | null): DeepestPath {
  const measured = new Map<string, DeepestPath>();
  const inProgress = new Set<string>();

  const walk = (set: SelectionSetNode): DeepestPath => {
    let deepest = NONE;
    for (const selection of set.selections) {
      let candidate: DeepestPath;
      if (selection.kind === Kind.FIELD) {
        if (EXEMPT_FIELDS.has(selection.name.value)) continue;
        const below = selection.selectionSet ? walk(selection.selectionSet) : NONE;
        const key = selection.alias?.value ?? selection.name.value;
        candidate = { depth: below.depth + 1, path: [key, ...below.path], leaf: below.leaf ?? selection };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        candidate = walk(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const known = measured.get(name);
        if (known) candidate = known;
        else {
          const fragment = fragmentNamed(name);
          if (!fragment || inProgress.has(name)) continue;
          inProgress.add(name);
          candidate = walk(fragment.selectionSet);
          inProgress.delete(name);
          measured.set(name, candidate);
        }
      }
      if (candidate.depth > deepest.depth) deepest = candidate;
    }
    return deepest;
  };
  return walk(selectionSet);
}

/** A validation rule: each operation deeper than `max` is reported through `reject`, with its deepest path. */
export function maxDepthRule(max: number, reject: (context: ValidationContext, found: DeepestPath) => void) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const found = deepestPath(operation.selectionSet, (name) => context.getFragment(name));
      if (found.depth > max) reject(context, found);
      return false;
    },
  });
}
