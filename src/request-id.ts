/**
 * Request ids: every response carries one (`x-request-id`), every log line
 * of the request quotes it, and a masked error tells the user to quote it.
 * A caller (a proxy, the reader pages) may pass its own, if it is a sane token.
 */
import { randomUUID } from 'node:crypto';

const GIVEN = /^[A-Za-z0-9._-]{1,64}$/;

/** The id given in an `x-request-id` header, when acceptable; a new one otherwise. */
export function requestIdFrom(given: string | string[] | null | undefined): string {
  return typeof given === 'string' && GIVEN.test(given) ? given : randomUUID();
}
