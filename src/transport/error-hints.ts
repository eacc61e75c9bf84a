/**
 * What Yoga's plugins attach to errors for the server, not the client: the
 * HTTP hints (`extensions.http`: a status, headers) and the mark of an
 * unexpected error (`extensions.unexpected`). Yoga strips them from what it
 * writes; results a transport writes itself (graphql-ws messages, SSE
 * events) lose them the same way.
 */
import { GraphQLError } from 'graphql';

const internal = (error: GraphQLError) => error.extensions?.http !== undefined || error.extensions?.unexpected !== undefined;

export function stripInternals(error: GraphQLError): GraphQLError {
  if (!internal(error)) return error;
  const { http: _http, unexpected: _unexpected, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions });
}

/** The result as it may be written: its errors without what is meant for the server (the very object when none has any). */
export function withoutInternals<T extends { errors?: readonly GraphQLError[] | undefined }>(result: T): T {
  if (!result.errors?.some(internal)) return result;
  return { ...result, errors: result.errors.map(stripInternals) };
}
