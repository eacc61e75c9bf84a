/** Telling "the database cannot be reached right now" from every other error. */
import { causeChain } from '../errors.js';

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/**
 * Whether an error means "the database cannot be reached right now" (a
 * restart, a failover, a network cut) rather than a bug: such errors are
 * worth a 503 and a retry, not an alarm.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    // SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, crash, starting up).
    if (typeof code === 'string' && (UNAVAILABLE.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code))) return true;
  }
  return false;
}
