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
  | 'SLOW_CONSUMER'
  | 'SERVICE_UNAVAILABLE';

export interface ClientErrorDetails {
  /** The argument or input field that failed, as a dotted path (e.g. `input.slug`). */
  field?: string;
  [key: string]: unknown;
}

export function clientError(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

export const badUserInput = (field: string, message: string) =>
  clientError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const notFound = (field: string, message: string) => clientError('NOT_FOUND', message, { field });

export function isClientError(error: unknown): boolean {
  return error instanceof GraphQLError && typeof error.extensions?.code === 'string' && error.extensions.code !== 'INTERNAL_SERVER_ERROR';
}
