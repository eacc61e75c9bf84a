/**
 * Global IDs are base64("Type:localId"), as Relay servers usually make them:
 * the codec of the domain, used by the API (src/schema/) and by what the
 * domain sends out itself (webhook payloads). Decoding is strict so that a
 * malformed ID is a client error that names the argument, never an
 * internal one.
 */
import { badUserInput } from './errors.js';

const MAX_LOCAL_ID = 2_147_483_647; // integer primary keys

export function encodeGlobalId(typename: string, id: bigint | number | string): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
}

export function decodeGlobalId(globalId: string, field: string): { typename: string; id: string } {
  const invalid = () => badUserInput(field, `"${truncate(globalId)}" is not a valid ID`);
  if (globalId.length === 0 || globalId.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(globalId)) throw invalid();
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  const match = /^([A-Z][A-Za-z]*):([1-9][0-9]{0,9})$/.exec(decoded);
  if (!match || Number(match[2]) > MAX_LOCAL_ID) throw invalid();
  return { typename: match[1]!, id: match[2]! };
}

/** Decodes an ID argument that must name one of `typenames`; returns the numeric key and the type. */
export function parseNodeId<T extends string>(globalId: string, field: string, typenames: readonly T[]): { typename: T; id: number } {
  const { typename, id } = decodeGlobalId(globalId, field);
  if (!(typenames as readonly string[]).includes(typename)) {
    throw badUserInput(field, `expected the ID of a ${typenames.join(' or ')}, got the ID of a ${typename}`);
  }
  return { typename: typename as T, id: Number(id) };
}

export function truncate(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
