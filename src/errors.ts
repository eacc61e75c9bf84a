/**
 * The error vocabulary clients see. Anything thrown that is not one of these
 * is an internal error: Yoga masks it and the server logs it.
 */
import { GraphQLError } from 'graphql';

export type ClientErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUERY_LIMIT_EXCEEDED'
  | 'SLOW_CONSUMER'
  | 'SERVICE_UNAVAILABLE'
  /** An `extensions.persistedQuery` hash that names no trusted document (as APQ clients expect it). */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** TRUSTED_DOCUMENTS_ONLY: a document that is not a trusted one, without a token. */
  | 'PERSISTED_QUERY_ONLY';

/**
 * WebSocket close codes Diretta uses beyond graphql-ws' own (4400 invalid
 * message, 4401 unauthorised, 4403 forbidden, 4408 init timeout, 4409
 * duplicate id, 4429 too many init requests), each with what a client does.
 */
export const CLOSE_CODES = {
  /** The server is shutting down: reconnect (elsewhere) and resume from your last cursor. */
  goingAway: 1001,
  /** A frame larger than the limit: the client sent too much. */
  messageTooBig: 1009,
  /** A subscriber fell too far behind: reconnect and resume after your last cursor (SLOW_CONSUMER). */
  slowConsumer: 4008,
  /** The instance is admitting new connections slowly (LIVE_ADMISSION_RATE): retry after the reason's `retry in <ms> ms`. */
  tryAgainLater: 1013,
} as const;

export interface ClientErrorDetails {
  /** The argument or input field that failed, as a dotted path (e.g. `input.slug`). */
  field?: string;
  [key: string]: unknown;
}

export function clientError(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}): GraphQLError {
  // The code goes last: no detail may override what clients branch on.
  return new GraphQLError(message, { extensions: { ...details, code } });
}

export const badUserInput = (field: string, message: string) =>
  clientError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const notFound = (field: string, message: string) => clientError('NOT_FOUND', message, { field });

export function isClientError(error: unknown): boolean {
  return error instanceof GraphQLError && typeof error.extensions?.code === 'string' && error.extensions.code !== 'INTERNAL_SERVER_ERROR';
}

/** An error and the errors it wraps (`cause`), outermost first: drivers' errors arrive wrapped by drizzle. */
export function* causeChain(error: unknown): Generator<object> {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) yield e;
}
