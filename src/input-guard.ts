/**
 * Checks on raw input that must run before anything else reads it, on every
 * transport (HTTP, SSE, WebSocket): what no field of the API can accept.
 */
import { type ASTNode, GraphQLError, type ValidationRule } from 'graphql';

/**
 * How deep variables may nest. The deepest input the schema takes is a
 * list inside an input object inside the variables (3); anything far deeper
 * is an attack on whatever walks it recursively (JSON.stringify for a cache
 * key, graphql's coercion), so it is refused before anything does.
 */
export const MAX_VARIABLES_DEPTH = 32;

/**
 * What is wrong with a request's variables, if anything: nested deeper than
 * MAX_VARIABLES_DEPTH, or a string holding NUL (PostgreSQL text cannot hold
 * one: it would fail deep inside a query). Walked with a stack of its own,
 * never recursively, so that depth itself cannot overflow the call stack.
 */
export function inspectVariables(variables: unknown): 'too-deep' | 'nul' | null {
  const stack: [unknown, number][] = [[variables, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'nul';
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_VARIABLES_DEPTH) return 'too-deep';
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return null;
}

/** The error for inspectVariables' finding, or null when the request passes; a NUL in the document's own text too. */
export function guardRequest(query: unknown, variables: unknown): GraphQLError | null {
  if (typeof query === 'string' && query.includes('\u0000')) return nulRefused();
  const problem = inspectVariables(variables);
  if (problem === 'nul') return nulRefused();
  if (problem === 'too-deep') {
    return new GraphQLError(`Variables nest more than ${MAX_VARIABLES_DEPTH} levels deep.`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'variables', http: { status: 400 } },
    });
  }
  return null;
}

/**
 * NUL written in the document with any of GraphQL's escapes (`\u0000`,
 * `\u{0}`, `\u{000000}`…): found on the parsed strings, whatever spelling
 * produced them.
 */
export const NoNulInStrings: ValidationRule = (context) => ({
  StringValue(node) {
    if (node.value.includes('\u0000')) context.reportError(nulRefused([node]));
  },
});

export const nulRefused = (nodes?: readonly ASTNode[]) =>
  new GraphQLError('Strings must not contain NUL (U+0000) characters.', { nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/**
 * GET parameters Yoga would JSON.parse itself, throwing a plain error (a
 * 500) at a malformed one: checked first, so that it is a 400 that says which.
 */
export function badGetParameter(search: URLSearchParams): string | null {
  for (const name of ['variables', 'extensions']) {
    const raw = search.get(name);
    if (!raw) continue;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) return name;
    } catch {
      return name;
    }
  }
  return null;
}
