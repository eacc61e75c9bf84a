/**
 * Checks made on the raw HTTP request before Yoga parses it: body size, and
 * content types. POST bodies must be JSON (or application/graphql): an HTML
 * form or a `text/plain` fetch — the requests a browser sends cross-site
 * without a CORS preflight — are refused, which is what prevents CSRF here;
 * GET can only run queries (Yoga refuses mutations over GET with 405).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Limits } from '../config.js';
import { badGetParameter } from '../input-guard.js';
import type { CounterCell } from '../observability/metric-families.js';

const ACCEPTED_POST_TYPES = new Set(['application/json', 'application/graphql-response+json', 'application/graphql']);

function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** Returns true when the request was refused (and answered). */
export function refuseBadRequest(req: IncomingMessage, res: ServerResponse, limits: Limits, tooLarge: CounterCell | null = null): boolean {
  if (req.method === 'GET') {
    const bad = badGetParameter(new URL(req.url ?? '/', 'http://localhost').searchParams);
    if (bad) refuse(res, 400, 'BAD_REQUEST', `The ${bad} parameter must be a JSON object.`);
    return bad !== null;
  }
  if (req.method !== 'POST') return false;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_POST_TYPES.has(type)) {
    refuse(res, 415, 'BAD_REQUEST', 'POST bodies must be application/json (or application/graphql).');
    return true;
  }
  const length = req.headers['content-length'];
  if (length === undefined) {
    refuse(res, 411, 'BAD_REQUEST', 'Send a Content-Length header.');
    return true;
  }
  if (Number(length) > limits.maxBodyBytes) {
    // Do not read the body: close the connection once the answer is out.
    tooLarge?.inc();
    refuse(res, 413, 'BAD_REQUEST', `The request body is larger than ${limits.maxBodyBytes} bytes.`, { connection: 'close' });
    return true;
  }
  return false;
}

/** The client's address; behind a trusted proxy, the first address of X-Forwarded-For. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || req.socket.remoteAddress || 'unknown';
}
