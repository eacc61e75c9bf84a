/**
 * The HTTP hints Yoga's plugins attach to errors (`extensions.http`: a
 * status, headers) are for the server's HTTP answer; Yoga strips them from
 * what it writes. Results a transport writes itself (graphql-ws messages,
 * SSE events) lose them the same way.
 */
import { GraphQLError } from 'graphql';

export function stripHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions?.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions });
}

/** The result as it may be written: its errors without their HTTP hints (the very object when none has any). */
export function withoutHttpHints<T extends { errors?: readonly GraphQLError[] | undefined }>(result: T): T {
  if (!result.errors?.some((e) => e.extensions?.http)) return result;
  return { ...result, errors: result.errors.map(stripHttp) };
}
