/**
 * Checks on raw input that must run before anything else reads it, on every
 * transport (HTTP, SSE, WebSocket): what no field of the API can accept.
 */
import { GraphQLError } from 'graphql';

/**
 * PostgreSQL text cannot hold NUL characters: a string with one would fail
 * deep inside a query. Refuse it at the door instead, whatever field it is for.
 */
export function containsNul(query: unknown, variables: unknown): boolean {
  // In the document: the character itself, or GraphQL's escape for it inside a string.
  if (typeof query === 'string' && (query.includes('\u0000') || query.includes('\\u0000'))) return true;
  const visit = (value: unknown): boolean =>
    typeof value === 'string' ? value.includes('\u0000') : Array.isArray(value) ? value.some(visit) : value !== null && typeof value === 'object' ? Object.values(value).some(visit) : false;
  return visit(variables);
}

export const nulRefused = () =>
  new GraphQLError('Strings must not contain NUL (U+0000) characters.', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
